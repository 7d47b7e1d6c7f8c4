//! End-to-end-encrypted shares. The viewer encrypts each file with AES-GCM
//! (WebCrypto) under a random 256-bit key before uploading it; the key goes
//! only into the link's fragment (`#…&k=`), which browsers never send to a
//! server. So the server stores and serves ciphertext it cannot read.
//!
//! A sealed file is `LLENC1` ‖ 12-byte IV ‖ AES-GCM(name ‖ 0 ‖ data): the
//! file's name is inside too. The additional data binds each file to its
//! place in the share (`leaklens/<n>/<count>`), so a server cannot reorder,
//! drop or swap the files of a share without the link refusing them.

use base64ct::Encoding;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use leaklens_protocol::share::{CONTENT_TYPE, IV_LEN, MAGIC};

pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// The key as it appears in a link.
pub fn key_to_text(key: &[u8; 32]) -> String {
    base64ct::Base64UrlUnpadded::encode_string(key)
}

pub fn key_from_text(text: &str) -> Result<[u8; 32], String> {
    base64ct::Base64UrlUnpadded::decode_vec(text.trim())
        .ok()
        .and_then(|k| <[u8; 32]>::try_from(k.as_slice()).ok())
        .ok_or_else(|| {
            "the key in the link is damaged (it should be 43 characters after k=)".into()
        })
}

/// name ‖ 0 ‖ data.
pub fn envelope(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 1 + data.len());
    out.extend_from_slice(name.replace('\0', "").as_bytes());
    out.push(0);
    out.extend_from_slice(data);
    out
}

pub fn open_envelope(plain: &[u8]) -> Result<(String, Vec<u8>), String> {
    let n = plain
        .iter()
        .position(|&b| b == 0)
        .ok_or("the decrypted file is damaged (no name)")?;
    Ok((
        String::from_utf8_lossy(&plain[..n]).into_owned(),
        plain[n + 1..].to_vec(),
    ))
}

/// The browser's `crypto`, in the page or in a worker (the uploads are
/// sealed in the export module's worker).
fn crypto() -> Result<web_sys::Crypto, String> {
    js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("crypto"))
        .ok()
        .filter(|c| c.is_object())
        .map(JsCast::unchecked_into)
        .ok_or_else(|| "this browser has no WebCrypto".into())
}

fn subtle() -> Result<web_sys::SubtleCrypto, String> {
    let crypto = crypto()?;
    let subtle = js_sys::Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()
        .filter(|s| !s.is_undefined() && !s.is_null())
        .ok_or(
            "encryption needs a secure page (https://, or http://localhost): the browser hides WebCrypto here",
        )?;
    subtle
        .dyn_into()
        .map_err(|_| "this browser has no WebCrypto".into())
}

/// 32 random bytes from the browser.
pub fn new_key() -> Result<[u8; 32], String> {
    let mut key = [0u8; 32];
    random(&mut key)?;
    Ok(key)
}

fn random(buf: &mut [u8]) -> Result<(), String> {
    crypto()?
        .get_random_values_with_u8_array(buf)
        .map(|_| ())
        .map_err(|_| "the browser could not make random numbers".into())
}

async fn import(key: &[u8; 32], usage: &str) -> Result<web_sys::CryptoKey, String> {
    let raw = Uint8Array::from(key.as_slice());
    let usages = Array::of1(&JsValue::from_str(usage));
    let p = subtle()?
        .import_key_with_str("raw", &raw, "AES-GCM", false, &usages)
        .map_err(|_| "the browser refused the key")?;
    JsFuture::from(p)
        .await
        .map_err(|_| "the browser refused the key".to_string())?
        .dyn_into()
        .map_err(|_| "the browser refused the key".into())
}

/// What binds file `n` of a share of `count` files to its place.
pub fn place(n: usize, count: usize) -> Vec<u8> {
    format!("leaklens/{n}/{count}").into_bytes()
}

/// Encrypts file `n` of `count` for upload.
pub async fn seal(
    key: &[u8; 32],
    name: &str,
    data: &[u8],
    n: usize,
    count: usize,
) -> Result<Vec<u8>, String> {
    let mut iv = [0u8; IV_LEN];
    random(&mut iv)?;
    let ck = import(key, "encrypt").await?;
    let params =
        web_sys::AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv.as_slice()));
    params.set_additional_data(&Uint8Array::from(place(n, count).as_slice()));
    let p = subtle()?
        .encrypt_with_object_and_u8_array(&params, &ck, &envelope(name, data))
        .map_err(|_| "encryption failed")?;
    let ct = JsFuture::from(p)
        .await
        .map_err(|_| "encryption failed".to_string())?;
    let ct = Uint8Array::new(&ct).to_vec();
    let mut out = Vec::with_capacity(MAGIC.len() + IV_LEN + ct.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Decrypts sealed file `n` of `count`: its name and bytes.
pub async fn open(
    key: &[u8; 32],
    sealed: &[u8],
    n: usize,
    count: usize,
) -> Result<(String, Vec<u8>), String> {
    let body = sealed
        .strip_prefix(MAGIC)
        .filter(|b| b.len() > IV_LEN)
        .ok_or("not an encrypted leaklens file")?;
    let (iv, ct) = body.split_at(IV_LEN);
    let ck = import(key, "decrypt").await?;
    let params = web_sys::AesGcmParams::new_with_u8_array("AES-GCM", &Uint8Array::from(iv));
    params.set_additional_data(&Uint8Array::from(place(n, count).as_slice()));
    let p = subtle()?
        .decrypt_with_object_and_u8_array(&params, &ck, ct)
        .map_err(|_| "decryption failed")?;
    let plain = JsFuture::from(p).await.map_err(|_| {
        "cannot decrypt: the key in the link does not open this file (a wrong or cut link, or a file altered, swapped or reordered)"
            .to_string()
    })?;
    open_envelope(&Uint8Array::new(&plain).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_envelopes_round_trip() {
        let key = [7u8; 32];
        let text = key_to_text(&key);
        assert_eq!(text.len(), 43);
        assert_eq!(key_from_text(&text).unwrap(), key);
        assert!(key_from_text("short").is_err());
        assert!(key_from_text("!!!").is_err());
        let e = envelope("run<1>.log", b"\0data");
        assert_eq!(
            open_envelope(&e).unwrap(),
            ("run<1>.log".into(), b"\0data".to_vec())
        );
        assert!(open_envelope(b"no separator").is_err());
        assert!(is_sealed(b"LLENC1xyz") && !is_sealed(b"{\"cycle\""));
    }
}
