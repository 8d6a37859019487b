//! Decoders of serialised key formats: each turns the bytes of one format
//! into a [`crate::keys::ParsedKey`] (or says why it cannot).

pub mod der;
pub mod jks;
pub mod jwk;
pub mod openssh;
pub mod pgp;
pub mod pkcs;
pub mod ppk;
pub mod winblob;
