//! A bounded collection that keeps the items with the smallest keys, so a
//! cap on candidates favours no place in a file.
//!
//! Chunks of a file are collected in parallel and merged in whatever order
//! they finish; a first-come cap would keep the chunks that happened to
//! finish first and, in practice, the start of the file. Keyed by a hash of
//! what an item is (or of where it is), this keeps exactly the items whose
//! key is below the key at index `cap` of all items ever offered, however
//! they were split and merged: every shrink keeps at least `cap` items, so no
//! threshold ever falls below that key, and the final shrink reaches it.

/// At most `cap` items (after [`Smallest::shrink`]), those with the smallest keys.
#[derive(Debug)]
pub struct Smallest<T> {
    items: Vec<(u64, T)>,
    threshold: u64,
    dropped: u64,
    cap: usize,
}

impl<T> Smallest<T> {
    /// An empty collection keeping at most `cap` items.
    pub const fn new(cap: usize) -> Self {
        Smallest {
            items: Vec::new(),
            threshold: u64::MAX,
            dropped: 0,
            cap,
        }
    }

    /// Items held before shrinking back to the cap (an eighth over it, so
    /// the selection is amortised).
    fn held(&self) -> usize {
        self.cap + self.cap / 8 + 1
    }

    /// Offer an item; it is kept while its key is below every threshold set.
    pub fn push(&mut self, key: u64, item: T) {
        if key >= self.threshold {
            self.dropped += 1;
            return;
        }
        if self.items.len() == self.items.capacity() {
            // grow by doubling, but never past what is held before a
            // shrink: a plain doubling vector would reach twice that
            let want = (2 * self.items.capacity()).max(1024).min(self.held());
            self.items.reserve_exact(want - self.items.len());
        }
        self.items.push((key, item));
        if self.items.len() >= self.held() {
            self.shrink();
        }
    }

    /// Keep only the items below the key at index `cap`.
    pub fn shrink(&mut self) {
        if self.items.len() <= self.cap {
            return;
        }
        let (_, &mut (t, _), _) = self.items.select_nth_unstable_by_key(self.cap, |e| e.0);
        self.threshold = self.threshold.min(t);
        let before = self.items.len();
        self.items.retain(|e| e.0 < t);
        self.dropped += (before - self.items.len()) as u64;
    }

    /// Take in what another part of the file collected.
    pub fn merge(&mut self, other: Smallest<T>) {
        if other.threshold < self.threshold {
            self.threshold = other.threshold;
            let t = self.threshold;
            let before = self.items.len();
            self.items.retain(|e| e.0 < t);
            self.dropped += (before - self.items.len()) as u64;
        }
        self.dropped += other.dropped;
        for (key, item) in other.items {
            self.push(key, item);
        }
    }

    /// Shrink to the cap and hand over the items, smallest key first, with
    /// how many were offered and not kept.
    pub fn finish(mut self) -> (Vec<(u64, T)>, u64) {
        self.shrink();
        self.items.sort_unstable_by_key(|e| e.0);
        (self.items, self.dropped)
    }

    /// Items held now (before the final shrink).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Items offered and not kept, so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// A key for items chosen by where they are: a mix of the file offset, so
/// the items kept are spread over the file rather than taken from its start.
pub fn place_key(file_offset: u64) -> u64 {
    let mut x = file_offset.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over the cap, the items kept are those with the smallest keys, the
    /// same however the offers were cut into parts and in whatever order
    /// the parts were merged (copies with one key stay together).
    #[test]
    fn the_same_items_are_kept_however_parts_are_merged() {
        let cap = 10_000;
        let total = cap * 3;
        let mut x = 0x1234_5678_9abc_def0u64;
        let offers: Vec<(u64, u64)> = (0..total as u64)
            .map(|off| {
                // every hundredth key is offered twice (copies of one number)
                if off % 100 != 1 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                }
                (x, off)
            })
            .collect();
        let mut keys: Vec<u64> = offers.iter().map(|a| a.0).collect();
        keys.sort_unstable();
        let cut = keys[cap];
        let mut expect: Vec<(u64, u64)> = offers.iter().copied().filter(|a| a.0 < cut).collect();
        expect.sort_unstable();
        for (parts, reversed) in [(1, false), (7, false), (7, true), (64, true)] {
            let size = total.div_ceil(parts);
            let mut split: Vec<Smallest<u64>> = offers
                .chunks(size)
                .map(|part| {
                    let mut c = Smallest::new(cap);
                    part.iter().for_each(|&(k, off)| c.push(k, off));
                    c
                })
                .collect();
            if reversed {
                split.reverse();
            }
            let mut all = Smallest::new(cap);
            split.into_iter().for_each(|p| all.merge(p));
            let (mut kept, dropped) = all.finish();
            kept.sort_unstable();
            assert!(kept == expect, "{parts} parts, reversed {reversed}");
            assert_eq!(dropped as usize, total - expect.len());
        }
    }

    #[test]
    fn under_the_cap_everything_is_kept() {
        let mut s = Smallest::new(4);
        for k in [5u64, 3, 9] {
            s.push(k, ());
        }
        assert_eq!(s.len(), 3);
        let (kept, dropped) = s.finish();
        assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 5, 9]);
        assert_eq!(dropped, 0);
    }
}
