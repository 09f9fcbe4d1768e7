//! Issue 20 (daily use), Datenimport: contact data the organisation
//! corrected survives an import unless the Kassen choose the file's values,
//! every change is audited with old and new value, Windows-1252 files are
//! converted, and the result names Mitglied, file type and figures while
//! the form keeps its choices.

use crate::support::accounts::signed_in;
use crate::support::persons::{self, People, beamter};
use crate::support::{Client, Page, TestServer};

const HEADER: &str =
    "Personalnummer;Art;Name;Vorname;Geburtsdatum;Straße;PLZ;Ort;Telefon;E-Mail;Geschäftsbereich";

/// The file line of Muster, Moritz (4711) with street and phone.
fn moritz(strasse: &str, telefon: &str) -> String {
    format!(
        "{HEADER}\n4711;Beamter;Muster;Moritz;01.01.1970;{strasse};59999;Blaugraben;{telefon};;Beamtenversorgung\n"
    )
}

async fn import(kassen: &Client, file: &[u8], button: &str, policy: Option<&str>) -> Page {
    let page = kassen.get("/kassen/datenimport").await;
    page.assert_status(200);
    let mut form = page
        .form_with_button(button)
        .select("Mitglied", "Blaugraben (78970)")
        .select("Art der Datei", "Anspruchsberechtigte")
        .attach("CSV-Datei", "daten.csv", file);
    if let Some(p) = policy {
        form = form.check_in("Abweichungen in Kontaktdaten", p);
    }
    form.submit_with(kassen, button).await
}

async fn start() -> (TestServer, People) {
    persons::start(TestServer::builder(), |a, _| {
        vec![beamter(a, "4711", "Muster", "Moritz")]
    })
    .await
}

/// Changes the street of 4711 as the Nutzer:in.
async fn correct_street(user: &Client, strasse: &str) {
    let edit = user.get("/anspruchsberechtigte/4711/bearbeiten").await;
    edit.form_with_button("Speichern")
        .fill("Straße", strasse)
        .submit(user)
        .await
        .assert_redirect("/anspruchsberechtigte/4711?hinweis=gespeichert");
}

#[tokio::test]
async fn an_import_keeps_the_organisations_corrections_unless_told_otherwise() {
    let (server, people) = start().await;
    let kassen = signed_in(&server, &people.kassen).await;
    let user = signed_in(&server, &people.full).await;
    // The first import sets what the Kassen delivered.
    let first = import(
        &kassen,
        moritz("Alte Straße 1", "0301 1234").as_bytes(),
        "Importieren",
        None,
    )
    .await;
    first.assert_redirect("/kassen/datenimport?");
    correct_street(&user, "Neue Straße 2").await;

    // The next file still has the old street, and a new phone number.
    let file = moritz("Alte Straße 1", "0301 9999");
    let dry = import(&kassen, file.as_bytes(), "Probelauf", None).await;
    dry.assert_status(200);
    dry.assert_contains("Probelauf ohne Fehler")
        .assert_contains(
            "Anspruchsberechtigte für Blaugraben (78970): 1 Zeile gelesen, 0 neu, 1 aktualisiert.",
        )
        .assert_contains("1 Abweichung in Kontaktdaten: Werte der Organisation behalten.");
    let rows = rows_of(&dry, "Abweichungen in Kontaktdaten");
    assert_eq!(
        rows,
        vec![vec![
            "Muster, Moritz (4711)",
            "Straße",
            "Neue Straße 2",
            "Alte Straße 1"
        ]]
    );
    // The form keeps its choices; keeping the organisation's values is the default.
    let form = dry.form_with_button("Importieren");
    assert_eq!(form.value("Mitglied"), "Blaugraben (78970)");
    assert_eq!(form.value("Art der Datei"), "Anspruchsberechtigte");
    assert!(form.is_checked("Werte der Organisation behalten"));

    let done = import(&kassen, file.as_bytes(), "Importieren", None).await;
    done.assert_redirect("/kassen/datenimport?");
    let shown = kassen.follow(&done).await;
    shown
        .assert_contains("Import abgeschlossen")
        .assert_contains(
            "Anspruchsberechtigte für Blaugraben (78970): 1 Zeile gelesen, 0 neu, 1 aktualisiert.",
        )
        .assert_contains("1 Abweichung in Kontaktdaten: Werte der Organisation behalten.");
    let form = shown.form_with_button("Importieren");
    assert_eq!(form.value("Mitglied"), "Blaugraben (78970)");
    assert_eq!(form.value("Art der Datei"), "Anspruchsberechtigte");
    let details = user.get("/anspruchsberechtigte/4711").await;
    details
        .assert_contains("Neue Straße 2")
        .assert_contains("0301 9999")
        .assert_contains("Zuletzt geändert");
    kassen
        .get("/kassen/protokoll")
        .await
        .assert_contains("Daten durch Datenimport geändert")
        .assert_contains("Telefon: „0301 1234“ → „0301 9999“")
        .assert_not_contains("Straße: „Neue Straße 2“ → „Alte Straße 1“");

    // The same file again, now taking the file's values.
    let taken = import(
        &kassen,
        file.as_bytes(),
        "Importieren",
        Some("Werte aus der Datei übernehmen"),
    )
    .await;
    let shown = kassen.follow(&taken).await;
    shown.assert_contains("1 Abweichung in Kontaktdaten: Werte aus der Datei übernehmen.");
    assert!(
        shown
            .form_with_button("Importieren")
            .is_checked("Werte aus der Datei übernehmen"),
        "the form keeps the choice"
    );
    let details = user.get("/anspruchsberechtigte/4711").await;
    details
        .assert_contains("Alte Straße 1")
        .assert_not_contains("Neue Straße 2")
        .assert_not_contains("Zuletzt geändert");
    kassen
        .get("/kassen/protokoll")
        .await
        .assert_contains("Straße: „Neue Straße 2“ → „Alte Straße 1“");
    // Nothing left to disagree about.
    let dry = import(&kassen, file.as_bytes(), "Probelauf", None).await;
    dry.assert_not_contains("Wert im Portal")
        .assert_not_contains("1 Abweichung in Kontaktdaten");
}

#[tokio::test]
async fn windows_1252_files_are_converted_and_undecidable_ones_refused() {
    let (server, people) = start().await;
    let kassen = signed_in(&server, &people.kassen).await;
    let viewer = signed_in(&server, &people.viewer).await;
    // "Müller;Jürgen;…Straße…" as Excel saves it: Windows-1252.
    let text = format!(
        "{HEADER}\n5001;Versorgungsempfänger;Müller;Jürgen;02.03.1950;Gartenstraße 3;59999;Blaugraben;;;Beamtenversorgung\n"
    );
    let cp1252: Vec<u8> = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("Latin-1 text"))
        .collect();
    let dry = import(&kassen, &cp1252, "Probelauf", None).await;
    dry.assert_status(200);
    dry.assert_contains("Datei war in Windows-1252 kodiert und wurde umgewandelt")
        .assert_contains("Probelauf ohne Fehler");
    let done = import(&kassen, &cp1252, "Importieren", None).await;
    kassen
        .follow(&done)
        .await
        .assert_contains("Import abgeschlossen")
        .assert_contains("Datei war in Windows-1252 kodiert und wurde umgewandelt");
    viewer
        .get("/anspruchsberechtigte/5001")
        .await
        .assert_contains("Müller, Jürgen")
        .assert_contains("Gartenstraße 3")
        .assert_contains("Versorgungsempfänger");

    // UTF-16 (as "Unicode-Text"): refused with the hint.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let refused = import(&kassen, &utf16, "Probelauf", None).await;
    refused.assert_status(422);
    refused
        .assert_contains("Kodierung der Datei ist nicht zu erkennen")
        .assert_contains("CSV UTF-8");
}

/// The cells of each body row of the table in the region `label`.
fn rows_of(page: &Page, label: &str) -> Vec<Vec<String>> {
    let html = scraper::Html::parse_document(&page.body);
    let row =
        scraper::Selector::parse(&format!("[aria-label=\"{label}\"] table tbody tr")).unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    html.select(&row)
        .map(|r| {
            r.select(&cell)
                .map(|c| {
                    c.text()
                        .collect::<String>()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        })
        .collect()
}

/// The demo data: the files under `demo/` show a conflict in a Probelauf
/// (Moritz Muster's street, corrected by Blaugraben after the import).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_files_show_a_conflict_in_the_probelauf() {
    use meine_versorgung::app::demo::{DEMO_PASSWORD, DEMO_TOTP_SECRET};
    let dir = crate::support::DataDir::new();
    let handle = crate::support::server::start_demo(&dir).await;
    let kassen = Client::new(&format!("http://{}", handle.local_addr));
    let res = crate::support::login::password_step(&kassen, "K20000000001", DEMO_PASSWORD).await;
    res.assert_redirect("/login/tan");
    let tan_page = kassen.follow(&res).await;
    crate::support::login::submit_totp(&kassen, &tan_page, DEMO_TOTP_SECRET).await;
    for (file, converted) in [
        ("anspruchsberechtigte-blaugraben.csv", false),
        ("anspruchsberechtigte-blaugraben-windows-1252.csv", true),
    ] {
        let bytes = std::fs::read(format!("{}/demo/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let dry = import(&kassen, &bytes, "Probelauf", None).await;
        dry.assert_status(200);
        dry.assert_contains("6 Zeilen gelesen, 0 neu, 6 aktualisiert.")
            .assert_contains("1 Abweichung in Kontaktdaten: Werte der Organisation behalten.");
        assert_eq!(
            rows_of(&dry, "Abweichungen in Kontaktdaten"),
            vec![vec![
                "Muster, Moritz (100102)",
                "Straße",
                "Am Markt 9",
                "Am Markt 7"
            ]],
            "{file}"
        );
        assert_eq!(
            dry.body
                .contains("Datei war in Windows-1252 kodiert und wurde umgewandelt"),
            converted,
            "{file}"
        );
    }
    handle.shutdown().await;
}

/// The command line decides conflicts with `--kontaktdaten` and prints them.
#[test]
fn cli_import_lists_conflicts_and_takes_the_chosen_values() {
    use meine_versorgung::store::{self, Store};
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        store
            .write(|tx| {
                let mut org = crate::support::accounts::organisation("Blaugraben", "78970");
                org.id = store::next_id(tx, "org")?;
                store::orgs::put(tx, &org)?;
                let mut p = beamter(org.id, "4711", "Muster", "Moritz");
                p.imported_contact = Some(p.contact.clone());
                p.contact.strasse = "Neue Straße 2".into();
                p.contact_changed = Some((jiff::Timestamp::now(), "S20106542291".into()));
                store::persons::put(tx, &p)
            })
            .unwrap();
    }
    let file = dir.path().join("persons.csv");
    std::fs::write(&file, moritz("Alte Straße 1", "0301 1234")).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meine-versorgung"))
            .env("MV_DATA_DIR", dir.path())
            .args(["import-persons", "--mitglied", "78970"])
            .args(args)
            .arg(&file)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&["--probelauf"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("1 Abweichung in Kontaktdaten (Werte der Organisation behalten):"),
        "{out}"
    );
    assert!(
        out.contains(
            "Muster, Moritz (4711), Straße: Portal „Neue Straße 2“, Datei „Alte Straße 1“"
        ),
        "{out}"
    );
    let (ok, _, err) = run(&["--kontaktdaten", "irgendwas"]);
    assert!(!ok && err.contains("--kontaktdaten"), "{err}");
    let (ok, out, err) = run(&["--kontaktdaten", "uebernehmen"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Import abgeschlossen: 1 Zeile, 0 neu, 1 aktualisiert."),
        "{out}"
    );
    let store = Store::open(dir.path()).unwrap();
    let p = store
        .read(|tx| store::persons::get(tx, 1, "4711"))
        .unwrap()
        .unwrap();
    assert_eq!(p.contact.strasse, "Alte Straße 1");
    assert_eq!(p.contact_changed, None);
}
