//! `--shard K/N`: which part of a fleet's inputs one worker scans. The part
//! depends on the path alone (not on its place in a list), so workers
//! handed the same list in any order split it the same way, every input
//! lands in exactly one part, and a driver can compute the split itself.

/// Part `index` (1-based) of `count` parts of the inputs (`--shard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which part, from 1 to `count`.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

/// `K/N` with 1 <= K <= N.
pub fn parse(text: &str) -> Result<Shard, String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("not K/N: {text}"))?;
    let k: u64 = k.trim().parse().map_err(|_| format!("not K/N: {text}"))?;
    let n: u64 = n.trim().parse().map_err(|_| format!("not K/N: {text}"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("--shard {text}: K must be from 1 to N"));
    }
    Ok(Shard { index: k, count: n })
}

/// The part (1-based) of `count` parts that `path` belongs to: 1 plus the
/// first 8 bytes of the SHA-256 of its bytes, read big-endian, modulo `count`.
pub fn part_of(path: &str, count: u64) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(path.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    1 + u64::from_be_bytes(first) % count.max(1)
}

/// Whether `path` is in `shard`.
pub fn contains(shard: Shard, path: &str) -> bool {
    part_of(path, shard.count) == shard.index
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts are disjoint and cover every path, fairly evenly, and the
    /// split of a path is fixed (other tools compute the same value).
    #[test]
    fn parts_are_disjoint_cover_everything_and_are_stable() {
        let paths: Vec<String> = (0..3000)
            .map(|i| format!("dumps/host-{i}/core.{i}"))
            .collect();
        for n in [1u64, 2, 7] {
            let mut sizes = vec![0usize; n as usize];
            for p in &paths {
                let owners: Vec<u64> = (1..=n)
                    .filter(|&k| contains(Shard { index: k, count: n }, p))
                    .collect();
                assert_eq!(owners.len(), 1, "{p} in {n} parts");
                sizes[owners[0] as usize - 1] += 1;
            }
            let fair = paths.len() / n as usize;
            assert!(sizes.iter().all(|&s| s > fair * 8 / 10), "{sizes:?}");
        }
        // sha256("a") = ca978112ca1bbdca...: part 1 + 0xca978112ca1bbdca % 10
        assert_eq!(0xca97_8112_ca1b_bdcau64 % 10, 0);
        assert_eq!(part_of("a", 10), 1);
    }
}
