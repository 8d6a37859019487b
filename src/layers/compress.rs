//! Compressed streams, recognised by their magic bytes: gzip (also
//! concatenated members), zstd, xz, lz4 frames and bzip2. Each decoder's
//! memory is bounded: zstd windows up to 128 MiB (as the zstd tool
//! allows by default), xz up to 128 MiB of dictionary.

use super::Counted;
use std::io::{self, Read};

/// A compression format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952), one or more members.
    Gzip,
    /// Zstandard frames.
    Zstd,
    /// xz streams.
    Xz,
    /// LZ4 frames.
    Lz4,
    /// bzip2 streams.
    Bzip2,
}

/// Largest zstd window decoded (2^27 bytes, the zstd tool's own default limit).
const ZSTD_WINDOW_LOG_MAX: u32 = 27;
/// Most memory the xz decoder may use.
const XZ_MEMLIMIT: u64 = 128 << 20;

impl Compression {
    /// The name layers and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Lz4 => "lz4",
            Compression::Bzip2 => "bzip2",
        }
    }

    /// The format `b` starts with, if any.
    pub fn sniff(b: &[u8]) -> Option<Compression> {
        const BZ_BLOCK: [u8; 6] = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
        const BZ_END: [u8; 6] = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
        if b.starts_with(&[0x1f, 0x8b, 0x08]) {
            Some(Compression::Gzip)
        } else if b.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else if b.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
            Some(Compression::Xz)
        } else if b.starts_with(&[0x04, 0x22, 0x4d, 0x18]) {
            Some(Compression::Lz4)
        } else if b.starts_with(b"BZh")
            && b.get(3).is_some_and(|l| (b'1'..=b'9').contains(l))
            && b.get(4..10).is_some_and(|m| m == BZ_BLOCK || m == BZ_END)
        {
            Some(Compression::Bzip2)
        } else {
            None
        }
    }

    /// A decoder reading `input`.
    pub(super) fn decoder<'a>(self, input: Counted<'a>) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Zstd => {
                let mut d = zstd::stream::read::Decoder::with_buffer(input)?;
                d.window_log_max(ZSTD_WINDOW_LOG_MAX)?;
                Box::new(d)
            }
            Compression::Xz => {
                let stream = liblzma::stream::Stream::new_stream_decoder(
                    XZ_MEMLIMIT,
                    liblzma::stream::CONCATENATED,
                )
                .map_err(io::Error::other)?;
                Box::new(liblzma::bufread::XzDecoder::new_stream(input, stream))
            }
            Compression::Lz4 => Box::new(lz4_flex::frame::FrameDecoder::new(input)),
            Compression::Bzip2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        })
    }
}
