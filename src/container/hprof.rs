//! Java heap dumps (HPROF `JAVA PROFILE 1.0.x`, as `jcmd GC.heap_dump` and
//! `-XX:+HeapDumpOnOutOfMemoryError` write them). Records are walked
//! (big-endian); every primitive array's elements become a heap region
//! named by its type and, where an object field points at it, by the
//! class holding it (`byte[] held by sun.security.rsa.RSAPrivateCrtKeyImpl`),
//! at the array's object id (its address when dumped). An `int[]` holds its
//! elements big-endian, so a `BigInteger` magnitude there is the number's
//! big-endian bytes, which the RSA search reads. `char[]` elements are
//! UTF-16 big-endian: their ranges are handed to the engine as such text
//! (JDK 8 keeps every `String` in one).

use super::{ContainerKind, MemoryMap, Region, RegionKind};
use std::collections::HashMap;

/// Whether `bytes` begin like an HPROF file.
pub fn is_hprof(bytes: &[u8]) -> bool {
    bytes.starts_with(b"JAVA PROFILE 1.0.")
}

/// Most arrays given a region of their own (the rest are scanned without
/// addresses), as for the segments of a core: each region costs a few
/// hundred bytes through the scan, and a crafted dump can hold a million
/// arrays in 20 MB.
const MAX_ARRAYS: usize = 1 << 18;

/// Most `char[]` ranges read as UTF-16 (16 bytes each).
const MAX_CHAR_RANGES: usize = 1 << 18;

/// Most classes and names remembered.
const MAX_NAMES: usize = 1 << 20;

/// Most instance field types remembered over all classes (a crafted file
/// can declare 65 535 fields a class).
const MAX_FIELD_TYPES: usize = 1 << 24;

/// A big-endian reader over one file, never past its end.
struct Reader<'a> {
    b: &'a [u8],
    id: usize,
}

impl Reader<'_> {
    fn u8(&self, at: usize) -> Option<u8> {
        self.b.get(at).copied()
    }
    fn u16(&self, at: usize) -> Option<u16> {
        Some(u16::from_be_bytes(
            self.b.get(at..at.checked_add(2)?)?.try_into().ok()?,
        ))
    }
    fn u32(&self, at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(
            self.b.get(at..at.checked_add(4)?)?.try_into().ok()?,
        ))
    }
    fn id(&self, at: usize) -> Option<u64> {
        let raw = self.b.get(at..at.checked_add(self.id)?)?;
        Some(raw.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    }
    /// Bytes of a value of basic type `t` (2 is an object id).
    fn size_of(&self, t: u8) -> Option<usize> {
        Some(match t {
            2 => self.id,
            4 | 8 => 1,
            5 | 9 => 2,
            6 | 10 => 4,
            7 | 11 => 8,
            _ => return None,
        })
    }
}

fn type_name(t: u8) -> &'static str {
    match t {
        4 => "boolean",
        5 => "char",
        6 => "float",
        7 => "double",
        8 => "byte",
        9 => "short",
        10 => "int",
        11 => "long",
        _ => "?",
    }
}

/// What the walk collects.
#[derive(Default)]
struct Heap {
    /// Name string id -> (offset, length) of its UTF-8 bytes.
    names: HashMap<u64, (usize, usize)>,
    /// Class object id -> name string id.
    class_names: HashMap<u64, u64>,
    /// Class object id -> (super class id, instance field types in order).
    class_fields: HashMap<u64, (u64, Vec<u8>)>,
    /// Primitive arrays: (object id, element type, data offset, data bytes).
    arrays: Vec<(u64, u8, usize, usize)>,
    /// Array object id -> class id of an instance holding it.
    owners: HashMap<u64, u64>,
    /// Field types remembered so far.
    field_types: usize,
    /// File ranges of `char[]` elements, close ones joined.
    chars: Vec<std::ops::Range<u64>>,
    /// Whether `char[]` ranges past [`MAX_CHAR_RANGES`] were left out.
    chars_dropped: bool,
}

impl Heap {
    /// Remember a `char[]`'s elements, joined to the previous range when
    /// only a record header lies between them (their characters in step).
    fn add_chars(&mut self, at: u64, len: u64) {
        if let Some(last) = self.chars.last_mut()
            && at >= last.end
            && at - last.end <= JOIN_GAP
            && (at - last.start).is_multiple_of(2)
        {
            last.end = at + len;
        } else if self.chars.len() < MAX_CHAR_RANGES {
            self.chars.push(at..at + len);
        } else {
            self.chars_dropped = true;
        }
    }
}

/// Most bytes between two `char[]` (a record header or two) that are read
/// with them as one UTF-16 range, so a dump of many short strings is not
/// scanned a string at a time and fits the range cap.
const JOIN_GAP: u64 = 64;

/// Bytes of heap records walked between two calls of the release hook.
const RELEASE_EVERY: usize = 64 << 20;

/// The map of an HPROF file; `release` is handed each stretch of heap
/// records once a pass has walked it.
pub fn map(bytes: &[u8], release: &dyn Fn(std::ops::Range<usize>)) -> MemoryMap {
    let mut map = MemoryMap::raw(0, ContainerKind::Hprof, Vec::new());
    let len = bytes.len();
    let Some(end) = memchr::memchr(0, bytes) else {
        map.incomplete
            .push("the HPROF header is cut short".to_string());
        return super::normalize(map, len as u64);
    };
    let id = Reader { b: bytes, id: 0 }.u32(end + 1).unwrap_or(0) as usize;
    if id != 4 && id != 8 {
        map.incomplete.push(format!(
            "the HPROF header names {id}-byte object ids: scanned as plain bytes"
        ));
        return super::normalize(map, len as u64);
    }
    let r = Reader { b: bytes, id };
    let mut heap = Heap::default();
    // first pass: names, classes, arrays; second: which instance holds which array
    for pass in 0..2 {
        if let Err(why) = walk(&r, end + 13, pass, &mut heap, release)
            && pass == 0
        {
            map.incomplete.push(why);
        }
    }
    let name_of = |class: u64| -> Option<String> {
        let (at, n) = *heap.names.get(heap.class_names.get(&class)?)?;
        let raw = bytes.get(at..at + n)?;
        Some(String::from_utf8_lossy(raw).replace('/', "."))
    };
    if heap.arrays.len() >= MAX_ARRAYS {
        map.warnings.push(format!(
            "more than {MAX_ARRAYS} primitive arrays: the rest are scanned without addresses"
        ));
    }
    if heap.chars_dropped {
        map.incomplete.push(format!(
            "more than {MAX_CHAR_RANGES} separate char[] arrays: the text of the rest was not read as UTF-16"
        ));
    }
    map.utf16be_text = std::mem::take(&mut heap.chars);
    for &(object, t, at, n) in &heap.arrays {
        let owner = heap.owners.get(&object).and_then(|&c| name_of(c));
        map.regions.push(Region {
            file_offset: at as u64,
            len: n as u64,
            vaddr: Some(object),
            kind: RegionKind::Heap,
            name: Some(match owner {
                Some(o) => format!("{}[] held by {o}", type_name(t)),
                None => format!("{}[]", type_name(t)),
            }),
            perms: None,
        });
    }
    super::normalize(map, len as u64)
}

/// Walk the top-level records from `at`.
fn walk(
    r: &Reader,
    mut at: usize,
    pass: u8,
    heap: &mut Heap,
    release: &dyn Fn(std::ops::Range<usize>),
) -> Result<(), String> {
    while at < r.b.len() {
        let (Some(tag), Some(n)) = (r.u8(at), r.u32(at + 5)) else {
            return Err(format!(
                "an HPROF record header is cut short at offset {at} (a truncated dump)"
            ));
        };
        let body = at + 9;
        let end = body
            .checked_add(n as usize)
            .filter(|&e| e <= r.b.len())
            .ok_or_else(|| format!("the HPROF record at offset {at} runs past the end of the file (a truncated dump)"))?;
        match tag {
            0x01 if pass == 0 && heap.names.len() < MAX_NAMES => {
                if let Some(name) = r.id(body) {
                    heap.names.insert(name, (body + r.id, end - body - r.id));
                }
            }
            0x02 if pass == 0 && heap.class_names.len() < MAX_NAMES => {
                if let (Some(class), Some(name)) = (r.id(body + 4), r.id(body + 8 + r.id)) {
                    heap.class_names.insert(class, name);
                }
            }
            0x0c | 0x1c => heap_records(r, body, end, pass, heap, release)?,
            _ => {}
        }
        at = end;
    }
    Ok(())
}

/// Walk the sub-records of one heap dump (segment).
fn heap_records(
    r: &Reader,
    mut at: usize,
    end: usize,
    pass: u8,
    heap: &mut Heap,
    release: &dyn Fn(std::ops::Range<usize>),
) -> Result<(), String> {
    let mut walked_from = at;
    let id = r.id;
    let bad = |at: usize| {
        format!(
            "an HPROF heap record at offset {at} is cut short or unknown: the rest of its segment is scanned without addresses"
        )
    };
    while at < end {
        let tag = r.u8(at).ok_or_else(|| bad(at))?;
        let p = at + 1;
        let next = match tag {
            0xff | 0x05 | 0x07 => p + id,
            0x01 => p + 2 * id,
            0x02 | 0x03 | 0x08 => p + id + 8,
            0x04 | 0x06 => p + id + 4,
            0x20 => {
                let class = r.id(p).ok_or_else(|| bad(at))?;
                let superclass = r.id(p + id + 4).ok_or_else(|| bad(at))?;
                let mut q = p + 7 * id + 8;
                let constants = r.u16(q).ok_or_else(|| bad(at))?;
                q += 2;
                for _ in 0..constants {
                    let t = r.u8(q + 2).ok_or_else(|| bad(at))?;
                    q += 3 + r.size_of(t).ok_or_else(|| bad(at))?;
                }
                let statics = r.u16(q).ok_or_else(|| bad(at))?;
                q += 2;
                for _ in 0..statics {
                    let t = r.u8(q + id).ok_or_else(|| bad(at))?;
                    q += id + 1 + r.size_of(t).ok_or_else(|| bad(at))?;
                }
                let fields = r.u16(q).ok_or_else(|| bad(at))?;
                q += 2;
                let mut types = Vec::with_capacity(usize::from(fields));
                for _ in 0..fields {
                    types.push(r.u8(q + id).ok_or_else(|| bad(at))?);
                    q += id + 1;
                }
                if pass == 0
                    && heap.class_fields.len() < MAX_NAMES
                    && heap.field_types + types.len() <= MAX_FIELD_TYPES
                {
                    heap.field_types += types.len();
                    heap.class_fields.insert(class, (superclass, types));
                }
                q
            }
            0x21 => {
                let n = r.u32(p + 2 * id + 4).ok_or_else(|| bad(at))? as usize;
                let data = p + 2 * id + 8;
                if pass == 1 {
                    let class = r.id(p + id + 4).ok_or_else(|| bad(at))?;
                    owners_of(r, class, data, data + n, heap);
                }
                data + n
            }
            0x22 => {
                let n = r.u32(p + id + 4).ok_or_else(|| bad(at))? as usize;
                p + 2 * id + 8 + n.checked_mul(id).ok_or_else(|| bad(at))?
            }
            0x23 => {
                let object = r.id(p).ok_or_else(|| bad(at))?;
                let n = r.u32(p + id + 4).ok_or_else(|| bad(at))? as usize;
                let t = r.u8(p + id + 8).ok_or_else(|| bad(at))?;
                let size = r.size_of(t).filter(|_| t != 2).ok_or_else(|| bad(at))?;
                let data = p + id + 9;
                let bytes = n.checked_mul(size).ok_or_else(|| bad(at))?;
                if pass == 0 && heap.arrays.len() < MAX_ARRAYS && bytes > 0 {
                    heap.arrays.push((object, t, data, bytes));
                }
                if pass == 0 && t == 5 && bytes > 0 {
                    heap.add_chars(data as u64, bytes as u64);
                }
                data + bytes
            }
            _ => return Err(bad(at)),
        };
        if next > end {
            return Err(bad(at));
        }
        at = next;
        if at - walked_from >= RELEASE_EVERY {
            release(walked_from..at);
            walked_from = at;
        }
    }
    release(walked_from..at);
    Ok(())
}

/// Note which primitive arrays an instance's object fields point at (its
/// class's fields first, then each superclass's, as HPROF lays them out).
fn owners_of(r: &Reader, class: u64, mut at: usize, end: usize, heap: &mut Heap) {
    if heap.arrays.is_empty() {
        return;
    }
    let mut c = class;
    for _ in 0..64 {
        let Some((superclass, types)) = heap.class_fields.get(&c) else {
            return;
        };
        for &t in types {
            let Some(size) = r.size_of(t) else { return };
            if at + size > end {
                return;
            }
            if t == 2
                && let Some(target) = r.id(at)
                && target != 0
                && heap.owners.len() < MAX_ARRAYS
            {
                heap.owners.entry(target).or_insert(class);
            }
            at += size;
        }
        if *superclass == 0 {
            return;
        }
        c = *superclass;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::noise;

    fn header() -> Vec<u8> {
        let mut b = b"JAVA PROFILE 1.0.2\0".to_vec();
        b.extend(8u32.to_be_bytes());
        b.extend(0u64.to_be_bytes());
        b
    }

    /// A heap segment with one `byte[]`: a region at the array's id.
    #[test]
    fn primitive_arrays_are_regions_at_their_ids() {
        let mut seg = vec![0x23];
        seg.extend(0x7f00_1000u64.to_be_bytes());
        seg.extend(1u32.to_be_bytes());
        seg.extend(5u32.to_be_bytes());
        seg.push(8);
        seg.extend(b"hello");
        let mut b = header();
        b.push(0x1c);
        b.extend(0u32.to_be_bytes());
        b.extend((seg.len() as u32).to_be_bytes());
        b.extend(&seg);
        let map = map(&b, &|_| {});
        let r = map
            .regions
            .iter()
            .find(|r| r.name.as_deref() == Some("byte[]"))
            .unwrap();
        assert_eq!((r.vaddr, r.len), (Some(0x7f00_1000), 5));
        assert!(map.incomplete.is_empty(), "{:?}", map.incomplete);
    }

    /// Noise, huge lengths and counts after a valid header: partial, never a panic.
    #[test]
    fn damaged_dumps_are_partial() {
        for seed in 0..64 {
            let mut b = header();
            b.extend(noise(4096, seed));
            let m = map(&b, &|_| {});
            assert_eq!(m.container, ContainerKind::Hprof);
        }
        let mut b = header();
        b.extend([0x1c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x23]);
        assert!(!map(&b, &|_| {}).incomplete.is_empty());
        // a class dump declaring 65 535 fields it does not have
        let mut seg = vec![0x20];
        seg.extend([0u8; 7 * 8 + 8]);
        seg.extend([0, 0, 0, 0, 0xff, 0xff]);
        let mut b = header();
        b.push(0x1c);
        b.extend(0u32.to_be_bytes());
        b.extend((seg.len() as u32).to_be_bytes());
        b.extend(&seg);
        assert!(!map(&b, &|_| {}).incomplete.is_empty());
    }
}
