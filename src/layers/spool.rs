//! A private temporary file that holds a decoded stream so it can be mapped
//! like any input: created unnamed (removed when dropped, whatever happens),
//! readable by this process only, with whole zero pages left as holes, so a
//! dump that is mostly zero pages costs little disk.

use super::Bytes;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

const PAGE: u64 = 4096;

/// A decoded stream being written.
pub struct Spool {
    file: File,
    len: u64,
}

impl Spool {
    /// A new, empty spool in the temporary directory (`TMPDIR`).
    pub fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: tempfile::tempfile()?,
            len: 0,
        })
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append `buf`; pages of it that are whole and zero are skipped.
    pub fn write(&mut self, buf: &[u8]) -> io::Result<()> {
        write_sparse_at(&self.file, buf, self.len)?;
        self.len += buf.len() as u64;
        Ok(())
    }

    /// The spooled bytes, mapped read-only.
    pub fn finish(self) -> io::Result<Bytes> {
        if self.len == 0 {
            return Ok(Bytes::default());
        }
        self.file.set_len(self.len)?;
        // SAFETY: the file is an unnamed temporary file only this process
        // holds; nothing truncates or writes it while it is mapped.
        let map = unsafe { memmap2::Mmap::map(&self.file)? };
        Ok(Bytes::whole(map))
    }
}

/// Write `buf` at `offset` of `file`, leaving out every whole zero page
/// (file offsets aligned to 4 KiB): a file sized past them reads zeros
/// there, and a dump that is mostly zero pages costs little disk.
pub fn write_sparse_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    let mut pos = 0usize;
    // the start in buf of a run of bytes still to write
    let mut run: Option<usize> = None;
    while pos < buf.len() {
        let file_off = offset + pos as u64;
        let to_boundary = (PAGE - file_off % PAGE) as usize;
        let end = (pos + to_boundary).min(buf.len());
        let whole_zero_page = end - pos == PAGE as usize && buf[pos..end].iter().all(|&b| b == 0);
        match (whole_zero_page, run) {
            (true, Some(start)) => {
                file.write_all_at(&buf[start..pos], offset + start as u64)?;
                run = None;
            }
            (false, None) => run = Some(pos),
            _ => {}
        }
        pos = end;
    }
    if let Some(start) = run {
        file.write_all_at(&buf[start..], offset + start as u64)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spooled_bytes_read_back_whatever_the_write_sizes() {
        let mut data = vec![0u8; 5 * PAGE as usize + 123];
        data[10] = 1;
        data[3 * PAGE as usize + 7] = 2;
        data[5 * PAGE as usize + 100] = 3;
        for step in [1usize, 7, 4096, 5000, data.len()] {
            let mut s = Spool::new().unwrap();
            for chunk in data.chunks(step) {
                s.write(chunk).unwrap();
            }
            assert_eq!(s.finish().unwrap().as_slice(), &data[..], "step {step}");
        }
    }
}
