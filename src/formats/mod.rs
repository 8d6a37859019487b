//! Decoders for key containers that are not plain DER: each turns a decoded
//! body into a [`crate::keys::ParsedKey`].

pub mod der;
pub mod jks;
pub mod jwk;
pub mod openssh;
pub mod pgp;
pub mod ppk;
pub mod winblob;
