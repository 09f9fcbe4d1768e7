//! The upload path: any multipart body given to the Schreiben form's reader
//! is read within its limits or refused, never a panic; accepted files have
//! safe names, an allowed type and stay within 10 attachments and 10 MB,
//! and their staged copies are gone once the upload is dropped.
#![no_main]

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::{FromRequest, Multipart};
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use meine_versorgung::domain::message::{MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES};
use meine_versorgung::web::upload;

const BOUNDARY: &str = "fuzzgrenze";

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn data_dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temp dir")).path()
}

fuzz_target!(|data: &[u8]| {
    let request = Request::builder()
        .method("POST")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(data.to_vec()))
        .expect("request");
    runtime().block_on(async {
        let Ok(mp) = Multipart::from_request(request, &()).await else {
            return;
        };
        let Ok(up) = upload::read_body(mp, data_dir(), "csrf-token").await else {
            return;
        };
        assert!(up.files.len() <= MAX_ATTACHMENTS);
        let total: u64 = up.files.iter().map(|f| f.len).sum();
        assert!(total <= MAX_ATTACHMENT_BYTES);
        let staged: Vec<_> = up.files.iter().map(|f| f.path.clone()).collect();
        for f in &up.files {
            assert!(!f.name.contains(['/', '\\']) && !f.name.starts_with('.'));
            assert!(["application/pdf", "image/jpeg", "image/png", "text/csv"].contains(&f.mime));
            assert_eq!(std::fs::metadata(&f.path).map(|m| m.len()).ok(), Some(f.len));
        }
        drop(up);
        for p in staged {
            assert!(!p.exists(), "{} left behind", p.display());
        }
    });
});
