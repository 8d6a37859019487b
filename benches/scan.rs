//! Throughput of the scan engine on dump-like data, in bytes per second.
//! Each benchmark first checks that it finds exactly the keys planted, so a
//! fast wrong engine cannot post a good number.
//!
//!   cargo bench --bench scan
//!
//! For whole-binary figures on a multi-GB file see `benches/throughput.sh`.
//! The AES and bignum recoveries have benches of their own: they read every
//! aligned position rather than prefilter hits.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keysweep::container::{MemoryMap, map_container};
use keysweep::detect::Family;
use keysweep::detect::{default_detectors, utf16le};
use keysweep::engine::{Engine, EngineConfig};
use keysweep::model::ContainerKind;

const KEYS: [&str; 3] = [
    include_str!("../fixtures/keys/rsa2048-pkcs1.pem"),
    include_str!("../fixtures/keys/ec-p256-sec1.pem"),
    include_str!("../fixtures/keys/ed25519-pkcs8.pem"),
];

/// 64 MiB shaped like process memory: zero pages, random pages, pointer-rich
/// heap pages, ASCII and UTF-16LE text, with `planted` keys spread through it.
fn dump_like(planted: usize) -> Vec<u8> {
    const MIB: usize = 1 << 20;
    let mut seed = 0x2545f4914f6cdd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let text: Vec<u8> =
        b"GET /api/v1/items?id=42 HTTP/1.1\r\nHost: example.internal\r\nAccept: */*\r\n"
            .iter()
            .copied()
            .cycle()
            .take(MIB)
            .collect();
    let mut out = Vec::with_capacity(64 * MIB);
    for i in 0..64 {
        match i % 8 {
            0 | 1 => out.extend(std::iter::repeat_n(0u8, MIB)),
            2 | 3 => out.extend((0..MIB / 8).flat_map(|_| next().to_le_bytes())),
            4 | 5 => out.extend((0..MIB / 8).flat_map(|_| {
                let r = next();
                let v = if r % 3 == 0 {
                    0x7f00_0000_0000 + (r >> 20) % (1 << 24) * 16
                } else {
                    r % 256
                };
                v.to_le_bytes()
            })),
            6 => out.extend_from_slice(&text),
            _ => out.extend(utf16le(&text[..MIB / 2])),
        }
    }
    for k in 0..planted {
        let key = KEYS[k % KEYS.len()].as_bytes();
        let bytes = if k % 2 == 0 {
            key.to_vec()
        } else {
            utf16le(key)
        };
        let at = (k * 6 + 3) * MIB + 12345;
        out[at..at + bytes.len()].copy_from_slice(&bytes);
    }
    out
}

/// The fixture RSA key's n, p and q as little-endian bytes.
fn rsa_numbers() -> [Vec<u8>; 3] {
    use base64::Engine as _;
    use der::Decode;
    let body: String = KEYS[0]
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let k = pkcs1::RsaPrivateKey::from_der(&der).unwrap();
    let le = |u: der::asn1::UintRef<'_>| {
        let mut v: Vec<u8> = u
            .as_bytes()
            .iter()
            .skip_while(|&&b| b == 0)
            .copied()
            .collect();
        v.reverse();
        v
    };
    [le(k.modulus), le(k.prime1), le(k.prime2)]
}

/// Plant `what` at `at`, with zero words on both sides (as allocations have).
fn plant(data: &mut [u8], at: usize, what: &[u8]) {
    data[at - 8..at].fill(0);
    data[at..at + what.len()].copy_from_slice(what);
    data[at + what.len()..at + what.len() + 8].fill(0);
}

fn bench(c: &mut Criterion) {
    let config = EngineConfig::builtin().unwrap();
    let engine = Engine::new(&config).unwrap();
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    {
        // the prefilter alone: every anchor of every detector, no confirmation
        let data = dump_like(10);
        let prefilter = keysweep::engine::prefilter::Prefilter::new(&default_detectors()).unwrap();
        let mut hits = Vec::new();
        prefilter.hits(&data, 0..data.len(), &mut hits);
        assert!(hits.len() >= 10, "the planted keys' anchors are found");
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function("prefilter_only_64MiB_1_thread", |b| {
            b.iter(|| {
                hits.clear();
                prefilter.hits(&data, 0..data.len(), &mut hits);
                hits.len()
            })
        });
    }
    {
        // each detector family alone, on the same data, to see what each costs
        let data = dump_like(0);
        let map = MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new());
        group.throughput(Throughput::Bytes(data.len() as u64));
        for (family, label) in Family::KEY_FORMATS
            .into_iter()
            .zip(["pem", "der", "blob", "jwk", "ppk"])
        {
            let only = Engine::new(&config.clone().only(&[family])).unwrap();
            assert!(only.scan_mapped(&data, &map).0.is_empty());
            group.bench_function(format!("{label}_only_64MiB"), |b| {
                b.iter(|| only.scan_mapped(&data, &map))
            });
        }
    }
    {
        // the recoveries alone: AES schedules and RSA limb arrays, clean and planted
        use keysweep::recover::aes::{expand_decrypt_key, expand_key};
        let mut data = dump_like(0);
        let map = MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new());
        group.throughput(Throughput::Bytes(data.len() as u64));
        let aes = Engine::new(&config.clone().only(&[Family::Aes])).unwrap();
        let bignum = Engine::new(&config.clone().only(&[Family::Bignum])).unwrap();
        assert!(aes.scan_mapped(&data, &map).0.is_empty());
        assert!(bignum.scan_mapped(&data, &map).0.is_empty());
        group.bench_function("aes_only_64MiB_clean", |b| {
            b.iter(|| aes.scan_mapped(&data, &map))
        });
        group.bench_function("bignum_only_64MiB_clean", |b| {
            b.iter(|| bignum.scan_mapped(&data, &map))
        });
        let key: Vec<u8> = (0u8..32)
            .map(|i| i.wrapping_mul(151).wrapping_add(7))
            .collect();
        plant(&mut data, (4 << 20) + 4096, &expand_key(&key[..16]));
        plant(&mut data, (20 << 20) + 4096, &expand_key(&key));
        plant(
            &mut data,
            (36 << 20) + 4096,
            &expand_decrypt_key(&key[..24]),
        );
        let [n, p, q] = rsa_numbers();
        for copy in 0..2 {
            let base = (5 + 16 * copy) * (1 << 20) + 8192;
            plant(&mut data, base, &n);
            plant(&mut data, base + 512, &p);
            plant(&mut data, base + 1024, &q);
        }
        assert_eq!(
            aes.scan_mapped(&data, &map).0.len(),
            3,
            "three AES schedules"
        );
        assert_eq!(bignum.scan_mapped(&data, &map).0.len(), 1, "one RSA key");
        group.bench_function("aes_only_64MiB_3_schedules", |b| {
            b.iter(|| aes.scan_mapped(&data, &map))
        });
        group.bench_function("bignum_only_64MiB_1_key", |b| {
            b.iter(|| bignum.scan_mapped(&data, &map))
        });
    }
    for (name, planted) in [
        ("dump_like_64MiB_clean", 0usize),
        ("dump_like_64MiB_10_keys", 10),
    ] {
        let data = dump_like(planted);
        let map = MemoryMap::raw(data.len() as u64, ContainerKind::Raw, Vec::new());
        let (found, _) = engine.scan_mapped(&data, &map);
        assert_eq!(found.len(), planted, "{name}: wrong finding count");
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_function(name, |b| b.iter(|| engine.scan_mapped(&data, &map)));
    }
    let core = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dumps/pem-ascii.core"
    ))
    .unwrap();
    let map = map_container(&core);
    assert_eq!(engine.scan_mapped(&core, &map).0.len(), 10);
    group.throughput(Throughput::Bytes(core.len() as u64));
    group.bench_function("elf_core_fixture_10_keys", |b| {
        b.iter(|| engine.scan_mapped(&core, &map_container(&core)))
    });
    let md = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dumps/pem-ascii.dmp"
    ))
    .unwrap();
    assert!(engine.scan_mapped(&md, &map_container(&md)).0.len() >= 10);
    group.throughput(Throughput::Bytes(md.len() as u64));
    group.bench_function("minidump_fixture_10_keys", |b| {
        b.iter(|| engine.scan_mapped(&md, &map_container(&md)))
    });
    // a live OpenSSL process: two RSA keys as limb arrays, AES contexts, an EC key
    let live = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/dumps/live-keys.core"
    ))
    .unwrap();
    let (found, _) = engine.scan_mapped(&live, &map_container(&live));
    let rebuilt = found
        .iter()
        .filter(|f| f.detection.rule_id == "rsa-private-key-bignum")
        .count();
    assert_eq!(rebuilt, 2, "both RSA keys rebuilt");
    group.throughput(Throughput::Bytes(live.len() as u64));
    group.bench_function("live_openssl_core_2_rsa_keys", |b| {
        b.iter(|| engine.scan_mapped(&live, &map_container(&live)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
