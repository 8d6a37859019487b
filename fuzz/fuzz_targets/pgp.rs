//! The OpenPGP decoders (whole messages and single secret-key packets) on
//! arbitrary bytes: they never panic and a packet they accept lies inside
//! them.
#![no_main]
use keysweep::formats::pgp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pgp::parse(data);
    if let Some((len, _)) = pgp::secret_key_packet_at(data) {
        assert!(len <= data.len());
    }
});
