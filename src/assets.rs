//! The static assets embedded in the binary (`assets/`), and their URLs.

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

/// URL prefix of the assets.
pub const PREFIX: &str = "/static/";

/// URL of an asset; the content hash in the query makes the long cache safe.
pub fn url(name: &str) -> String {
    match Assets::get(name) {
        Some(file) => format!(
            "{PREFIX}{name}?v={}",
            &hex::encode(file.metadata.sha256_hash())[..12]
        ),
        None => format!("{PREFIX}{name}"),
    }
}
