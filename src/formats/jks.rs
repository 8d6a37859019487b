//! Java keystores: JKS (magic `FEEDFEED`) and JCEKS (`CECECECE`). Their
//! private keys are protected by the keystore password (often a default such
//! as `changeit`), so a keystore holding private keys is reported as a
//! container of encrypted keys; one holding only certificates is a
//! truststore and is not reported.

use super::winblob::Blob;
use crate::keys::ParsedKey;

const TAG_PRIVATE_KEY: u32 = 1;
const TAG_TRUSTED_CERT: u32 = 2;
const TAG_SECRET_KEY: u32 = 3;
/// Entries walked at most; keystores hold a handful.
const MAX_ENTRIES: u32 = 4096;

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn u16(&mut self) -> Option<usize> {
        let b = self.take(2)?;
        Some(usize::from(u16::from_be_bytes([b[0], b[1]])))
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A u32-length-prefixed byte string.
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// A certificate: (version 2) type name, then the encoding.
    fn certificate(&mut self) -> Option<()> {
        let type_len = self.u16()?;
        self.take(type_len)?;
        self.bytes()?;
        Some(())
    }
}

/// Recognise a JKS or JCEKS keystore at `b[0]`.
pub fn keystore(b: &[u8]) -> Option<Blob> {
    let mut r = Reader { buf: b, pos: 0 };
    let format = match r.u32()? {
        0xfeed_feed => "JKS",
        0xcece_cece => "JCEKS",
        _ => return None,
    };
    if r.u32()? != 2 {
        return None;
    }
    let count = r.u32()?;
    if count == 0 || count > MAX_ENTRIES {
        return None;
    }
    let mut private_keys = Vec::new();
    let mut complete = true;
    for _ in 0..count {
        let tag = r.u32()?;
        let alias_len = r.u16()?;
        let alias = String::from_utf8_lossy(r.take(alias_len)?).into_owned();
        r.take(8)?; // creation time
        match tag {
            TAG_PRIVATE_KEY => {
                let protected = r.bytes()?;
                // the protected key is an EncryptedPrivateKeyInfo
                if protected.first() != Some(&0x30) {
                    return None;
                }
                let chain = r.u32()?;
                if chain > 64 {
                    return None;
                }
                for _ in 0..chain {
                    r.certificate()?;
                }
                private_keys.push(alias);
            }
            TAG_TRUSTED_CERT => r.certificate()?,
            // a JCEKS secret key is a serialised Java object without a length: stop here
            TAG_SECRET_KEY if format == "JCEKS" => {
                private_keys.push(format!("{alias} (secret key)"));
                complete = false;
                break;
            }
            _ => return None,
        }
    }
    if private_keys.is_empty() {
        return None;
    }
    // the keyed SHA-1 integrity check closes the file
    let len = if complete {
        r.pos.checked_add(20).filter(|&l| l <= b.len())?
    } else {
        r.pos
    };
    let mut key = ParsedKey::encrypted(
        &format.to_ascii_lowercase(),
        format!(
            "{format} keystore with {} key entr{} protected by the keystore password: {}",
            private_keys.len(),
            if private_keys.len() == 1 { "y" } else { "ies" },
            private_keys.join(", ")
        ),
    );
    key.kind = "java-keystore";
    Some(Blob {
        len,
        rule_id: "java-keystore",
        key,
    })
}
