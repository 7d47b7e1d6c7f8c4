//! The format of an end-to-end-encrypted share, known to both the viewer
//! (which seals and opens files) and the server (which stores them unread):
//! uploaded and served with [`CONTENT_TYPE`], checked by the server for
//! [`looks_sealed`]. (The key travels in the link's `#k=` fragment, which
//! no browser sends to a server: that part is the viewer's alone.)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_file_needs_its_header_and_room_for_a_tag() {
        let mut sealed = MAGIC.to_vec();
        sealed.extend([0u8; IV_LEN + TAG_LEN]);
        assert!(looks_sealed(&sealed));
        assert!(!looks_sealed(&sealed[..sealed.len() - 1]));
        assert!(!looks_sealed(b"{\"cycle\": 1}"));
    }
}
