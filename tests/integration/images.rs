//! Physical memory images (LiME, Windows kernel full and bitmap dumps)
//! built from their published layouts around real process memory: keys
//! found with their fingerprints at physical addresses, damaged variants
//! partial.

use crate::common::*;

const PAGE: usize = 4096;

/// Real memory: the bytes of a gcore core whose heap holds planted PEM
/// keys, padded to whole pages; and where the RSA key's PEM starts in it.
fn memory() -> (Vec<u8>, usize, String) {
    let mut mem = std::fs::read(dump("pem-ascii.core")).unwrap();
    mem.resize(mem.len().div_ceil(PAGE) * PAGE, 0);
    let at = memchr_find(&mem, b"-----BEGIN RSA PRIVATE KEY-----").unwrap();
    let fp = expectations("pem-ascii")
        .into_iter()
        .find(|p| p.key_file == "keys/rsa2048-pkcs1.pem")
        .and_then(|p| p.fingerprint)
        .unwrap();
    (mem, at, fp)
}

/// The finding of `fp` in the one input of `report`, and its address.
fn found_at(report: &crate::contract::Report, fp: &str) -> u64 {
    let f = report
        .findings
        .iter()
        .find(|f| f.fingerprint.as_deref() == Some(fp))
        .unwrap_or_else(|| panic!("{fp} not found: {:#?}", report.inputs));
    addr(f).expect("a physical address")
}

fn lime(ranges: &[(u64, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (start, data) in ranges {
        out.extend(0x4C69_4D45u32.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        out.extend(start.to_le_bytes());
        out.extend((start + data.len() as u64 - 1).to_le_bytes());
        out.extend([0u8; 8]);
        out.extend_from_slice(data);
    }
    out
}

/// A LiME image of two ranges: the key is found at its physical address;
/// cut short, the first range is still read and the image is partial; a
/// corrupt second header leaves the rest without addresses, partial.
#[test]
fn lime_ranges_are_regions_at_physical_addresses() {
    let (mem, at, fp) = memory();
    let half = (mem.len() / 2) / PAGE * PAGE;
    let (a, b) = mem.split_at(half);
    let (base_a, base_b) = (0x10_0000u64, 0x4000_0000u64);
    let image = lime(&[(base_a, a), (base_b, b)]);
    let tmp = tempfile::tempdir().unwrap();
    let path = write(tmp.path(), "mem.lime", &image);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("lime"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    assert_eq!(input.regions, 2);
    let expected = if at < half {
        base_a + at as u64
    } else {
        base_b + (at - half) as u64
    };
    assert_eq!(found_at(&report, &fp), expected);

    // cut inside the second range
    let cut = write(tmp.path(), "cut.lime", &image[..image.len() - PAGE]);
    let (_, report) = scan_json(&[s(&cut)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
    assert!(report.inputs[0].coverage.reasons[0].contains("past the end of the file"));
    // a second header that is not one
    let mut corrupt = image.clone();
    let second = 32 + a.len();
    corrupt[second..second + 4].copy_from_slice(b"XXXX");
    let path = write(tmp.path(), "corrupt.lime", &corrupt);
    let (_, report) = scan_json(&[s(&path)]);
    let input = &report.inputs[0];
    assert_eq!(input.coverage.status, "partial");
    assert!(
        input.coverage.reasons[0].contains("no valid LiME range header"),
        "{:?}",
        input.coverage
    );
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.fingerprint.as_deref() == Some(fp.as_str()))
    );
}

/// A 64-bit kernel dump header: signature, dump type, and the bytes after.
fn kernel_header(dump_type: u32) -> Vec<u8> {
    let mut h = vec![0u8; 0x2000];
    h[..8].copy_from_slice(b"PAGEDU64");
    put_u32(&mut h, 0x38, 0xe2); // MANUALLY_INITIATED_CRASH
    put_u32(&mut h, 0xf98, dump_type);
    h
}

/// Windows kernel dumps: a full dump (run list in the header, pages after
/// it) and a bitmap dump (`SDMP` header, one bit a physical page) of the
/// same memory: the key at its physical address in both; a full dump cut
/// short is partial.
#[test]
fn windows_kernel_dumps_map_physical_memory() {
    let (mem, at, fp) = memory();
    let pages = mem.len() / PAGE;
    let half = pages / 2;
    let tmp = tempfile::tempdir().unwrap();
    // full: two runs, at physical pages 0x100 and 0x40000
    let mut full = kernel_header(1);
    put_u32(&mut full, 0x88, 2);
    put_u64(&mut full, 0x90, pages as u64);
    for (i, (base, count)) in [(0x100u64, half), (0x40000, pages - half)]
        .into_iter()
        .enumerate()
    {
        put_u64(&mut full, 0x98 + 16 * i, base);
        put_u64(&mut full, 0xa0 + 16 * i, count as u64);
    }
    full.extend_from_slice(&mem);
    let page_of = |i: usize| -> u64 {
        if i < half {
            0x100 + i as u64
        } else {
            0x40000 + (i - half) as u64
        }
    };
    let expected = page_of(at / PAGE) * PAGE as u64 + (at % PAGE) as u64;
    let path = write(tmp.path(), "MEMORY.DMP", &full);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    let input = &report.inputs[0];
    assert_eq!(input.container.as_deref(), Some("windows-kernel-dump"));
    assert_eq!(input.coverage.status, "full", "{:?}", input.coverage);
    assert_eq!(input.regions, 2);
    assert_eq!(found_at(&report, &fp), expected);

    // bitmap: the same pages present at the same physical pages
    let mut bmp = kernel_header(5);
    let total_pages = 0x40000 + pages;
    let bitmap_len = total_pages.div_ceil(8);
    let first_page = (0x2038 + bitmap_len).div_ceil(PAGE) * PAGE;
    bmp.extend_from_slice(b"SDMPDUMP");
    bmp.resize(0x2020, 0);
    bmp.extend((first_page as u64).to_le_bytes());
    bmp.extend((pages as u64).to_le_bytes());
    bmp.extend((total_pages as u64).to_le_bytes());
    let mut bitmap = vec![0u8; bitmap_len];
    for i in 0..pages {
        let p = page_of(i) as usize;
        bitmap[p / 8] |= 1 << (p % 8);
    }
    bmp.extend_from_slice(&bitmap);
    bmp.resize(first_page, 0);
    bmp.extend_from_slice(&mem);
    let path = write(tmp.path(), "bitmap.dmp", &bmp);
    let (code, report) = scan_json(&[s(&path)]);
    assert_eq!(code, 1);
    assert_eq!(
        report.inputs[0].coverage.status, "full",
        "{:?}",
        report.inputs[0].coverage
    );
    assert_eq!(report.inputs[0].regions, 2);
    assert_eq!(found_at(&report, &fp), expected);

    // a full dump cut short: partial, what is there still read
    let path = write(tmp.path(), "cut.dmp", &full[..full.len() - 3 * PAGE]);
    let (_, report) = scan_json(&[s(&path)]);
    assert_eq!(report.inputs[0].coverage.status, "partial");
    assert!(report.inputs[0].coverage.reasons[0].contains("past the end of the file"));
}
