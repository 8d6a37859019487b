//! BIGNUM records: OpenSSL's `struct bignum_st`, found by its shape, whose
//! pointer leads to a number's limbs through the dump's address map.

use super::*;

/// A candidate BIGNUM record: where it is and where its limbs are.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    /// File offset of the record.
    pub file_offset: u64,
    /// The limb pointer (a virtual address).
    pub limbs: u64,
    /// Limbs in use.
    pub top: u32,
    /// Bytes a limb: 8 or 4.
    pub limb: u8,
}

/// (A record belongs to the chunk whose range holds its `top` field, where
/// the caller found it, even when its pointer lies in the chunk before.)
pub(super) fn record_at(unit: &[u8], base: u64, at: usize, limb: usize, out: &mut Collected) {
    let (ptr, fields) = if limb == 8 {
        (u64_at(unit, at), at + 8)
    } else {
        (u32_at(unit, at).map(u64::from), at + 4)
    };
    let (Some(ptr), Some(top), Some(dmax), Some(neg), Some(flags)) = (
        ptr,
        u32_at(unit, fields),
        u32_at(unit, fields + 4),
        u32_at(unit, fields + 8),
        u32_at(unit, fields + 12),
    ) else {
        return;
    };
    // BN_FLG_STATIC_DATA (2) is never set on key numbers; neg is 0
    if ptr == 0
        || ptr % limb as u64 != 0
        || dmax < top
        || dmax > 1024
        || neg != 0
        || flags > 0xf
        || flags & 2 != 0
    {
        return;
    }
    let file_offset = base + at as u64;
    out.records.push(
        place_key(file_offset),
        Record {
            file_offset,
            limbs: ptr,
            top,
            limb: limb as u8,
        },
    );
}
