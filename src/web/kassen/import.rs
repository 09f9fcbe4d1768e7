//! "Datenimport" of the Kassen-Portaladministration: a multipart upload
//! read into memory (bounded by the body limit), the CSRF token checked
//! first, then the Probelauf or the import off the async threads.

use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

use super::render;
use crate::app::Actor;
use crate::app::person_import::{self, Outcome};
use crate::domain::person_csv::FileKind;
use crate::domain::persons::ContactPolicy;
use crate::domain::secret;
use crate::views::kassen::import as v;
use crate::web::error::{AppError, WebResult};
use crate::web::guards::KassenAdmin;
use crate::web::state::AppState;

/// Largest CSV file (a 100k-row file stays well below).
const FILE_LIMIT: usize = 11 * 1024 * 1024;
/// Request body limit of the route: the file plus the text fields and the
/// multipart framing (without it axum's 2 MB default would apply).
pub const BODY_LIMIT: usize = FILE_LIMIT + 64 * 1024;

pub async fn page(
    State(state): State<AppState>,
    k: KassenAdmin,
    Query(p): Query<super::Params>,
) -> WebResult {
    let orgs = state
        .blocking(|st| crate::app::orgs::all(&st.store))
        .await?;
    // After "Importieren" (post/redirect/get): the figures and the choices.
    let figure = |name: &str| super::param(&p, name).parse::<usize>().ok();
    let kind = FileKind::from_key(super::param(&p, "art")).unwrap_or(FileKind::Persons);
    let policy = ContactPolicy::from_key(super::param(&p, "kontaktdaten")).unwrap_or_default();
    let done = match (figure("zeilen"), figure("neu"), figure("aktualisiert")) {
        (Some(rows), Some(created), Some(updated)) => Some(v::Done {
            kind,
            rows,
            created,
            updated,
            conflicts: figure("abweichungen").unwrap_or(0),
            policy,
            converted: super::param(&p, "umgewandelt") == "1",
        }),
        _ => None,
    };
    let body = v::page(&v::ImportPage {
        csrf: &k.authed.ctx.csrf,
        orgs: &orgs,
        org: super::param(&p, "mitglied"),
        kind: kind.key(),
        policy,
        errors: &[],
        result: None,
        done: done.as_ref(),
    });
    Ok(render(&k.authed, &state, "Datenimport", body).into_response())
}

struct Upload {
    fields: Vec<(String, String)>,
    file: Option<Vec<u8>>,
}

impl Upload {
    fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

async fn read(mut mp: Multipart, expected: &str) -> Result<Upload, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::Forbidden
        }
    };
    let mut up = Upload {
        fields: Vec::new(),
        file: None,
    };
    let mut csrf_ok = false;
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "datei" {
            if !csrf_ok {
                return Err(AppError::Forbidden);
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if bytes.len() + chunk.len() > FILE_LIMIT {
                    return Err(AppError::TooLarge);
                }
                bytes.extend_from_slice(&chunk);
            }
            let has_name = field.file_name().is_some_and(|n| !n.is_empty());
            up.file = (has_name || !bytes.is_empty()).then_some(bytes);
        } else {
            let value = field.text().await.map_err(bad)?;
            if value.len() > 4096 {
                return Err(AppError::TooLarge);
            }
            if name == "csrf" {
                csrf_ok = secret::constant_time_eq(value.as_bytes(), expected.as_bytes());
                if !csrf_ok {
                    return Err(AppError::Forbidden);
                }
            }
            up.fields.push((name, value));
        }
    }
    if !csrf_ok {
        return Err(AppError::Forbidden);
    }
    Ok(up)
}

pub async fn submit(State(state): State<AppState>, k: KassenAdmin, mp: Multipart) -> WebResult {
    let _slots =
        crate::web::upload::begin(&state, k.authed.account.id.as_str(), k.authed.ctx.client, 0)?;
    let up = crate::web::upload::within_deadline(&state, read(mp, &k.authed.ctx.csrf)).await?;
    let orgs = state
        .blocking(|st| crate::app::orgs::all(&st.store))
        .await?;
    let org = up
        .get("mitglied")
        .parse::<u64>()
        .ok()
        .filter(|id| orgs.iter().any(|o| o.id == *id));
    let kind = FileKind::from_key(up.get("art"));
    let dry_run = up.get("aktion") != "importieren";
    let policy = ContactPolicy::from_key(up.get("kontaktdaten")).unwrap_or_default();
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    if org.is_none() {
        errors.push(("mitglied", "Bitte wählen Sie ein Mitglied aus.".to_owned()));
    }
    if kind.is_none() {
        errors.push(("art", "Bitte wählen Sie die Art der Datei aus.".to_owned()));
    }
    match &up.file {
        None => errors.push(("datei", "Bitte wählen Sie eine CSV-Datei aus.".to_owned())),
        Some(b) if b.is_empty() => errors.push(("datei", "Die Datei ist leer.".to_owned())),
        _ => {}
    }
    let mut outcome: Option<Outcome> = None;
    if let (Some(org), Some(kind), Some(bytes), true) =
        (org, kind, up.file.clone(), errors.is_empty())
    {
        let actor = Actor {
            id: k.authed.account.id.to_string(),
            client: k.authed.ctx.client_text(),
        };
        let key_hash = k
            .authed
            .ctx
            .session
            .as_ref()
            .map(|s| s.key_hash.clone())
            .unwrap_or_default();
        outcome = Some(
            state
                .blocking(move |st| {
                    person_import::run(
                        &st.store,
                        &person_import::Request {
                            org,
                            kind,
                            bytes: &bytes,
                            dry_run,
                            contact: policy,
                            session: Some(crate::app::sessions::Recheck {
                                key_hash: &key_hash,
                                activity: &st.activity,
                                security: &st.config.security,
                            }),
                        },
                        &actor,
                        st.now(),
                        &mut |_, _| {},
                    )
                })
                .await?,
        );
    }
    if let Some(o) = outcome.as_ref().filter(|o| o.imported) {
        let query = serde_urlencoded::to_string([
            ("mitglied", up.get("mitglied").to_owned()),
            ("art", kind.map_or("", FileKind::key).to_owned()),
            ("kontaktdaten", policy.key().to_owned()),
            ("zeilen", o.rows.to_string()),
            ("neu", o.created.to_string()),
            ("aktualisiert", o.updated.to_string()),
            ("abweichungen", o.conflicts.len().to_string()),
            ("umgewandelt", u8::from(o.converted).to_string()),
        ])
        .unwrap_or_default();
        return Ok(
            Redirect::to(&format!("{}?{query}", crate::paths::persons::KASSEN_IMPORT))
                .into_response(),
        );
    }
    let failed = !errors.is_empty() || outcome.as_ref().is_some_and(|o| !o.errors.is_empty());
    let body = v::page(&v::ImportPage {
        csrf: &k.authed.ctx.csrf,
        orgs: &orgs,
        org: up.get("mitglied"),
        kind: kind.map_or("", FileKind::key),
        policy,
        errors: &errors,
        result: outcome.as_ref().map(|o| (dry_run, o)),
        done: None,
    });
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, render(&k.authed, &state, "Datenimport", body)).into_response())
}
