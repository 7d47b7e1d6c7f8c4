//! The format of an end-to-end-encrypted share, known to both the viewer
//! (which seals and opens files) and the server (which stores them unread).
//!
//! A sealed file is [`MAGIC`] ‖ a [`IV_LEN`]-byte IV ‖ AES-GCM ciphertext and
//! its [`TAG_LEN`]-byte tag.

/// The first bytes of a sealed file.
pub const MAGIC: &[u8] = b"LLENC1";
/// The content type sealed files are uploaded and served with.
pub const CONTENT_TYPE: &str = "application/vnd.leaklens.encrypted";
/// AES-GCM nonce length.
pub const IV_LEN: usize = 12;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;

/// True when `bytes` can be a sealed file (the header and room for a tag).
pub fn looks_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC) && bytes.len() >= MAGIC.len() + IV_LEN + TAG_LEN
}
