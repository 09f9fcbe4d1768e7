//! The low findings of issue 19: control characters in "Bemerkung", the
//! Datenimport's error page, the search rate limit per session, and the
//! modes of the files the portal writes.

use crate::support::accounts::{signed_in, start_with_kassen_and_admin};
use crate::support::persons::{self, beamter};
use crate::support::{DataDir, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bemerkung_with_control_characters_is_refused_and_line_breaks_pass() {
    let (server, people) = persons::start(TestServer::builder(), |a, _| {
        vec![beamter(a, "4711", "Muster", "Moritz")]
    })
    .await;
    let user = signed_in(&server, &people.full).await;
    let list = user.get("/formulare").await;
    let href = list.html().link_hrefs("Beurlaubung ohne Dienstbezüge")[0].clone();
    let page = user.get(&href).await;
    for (bemerkung, refused) in [
        ("rot\u{1b}[31m und\u{7} laut\u{0}", true),
        ("Erste Zeile\r\nZweite Zeile\tmit Tab", false),
    ] {
        let res = page
            .form_with_button("Weiter")
            .select("Anspruchsberechtigte:r", "Muster, Moritz (4711)")
            .fill("Von", "01.03.2024")
            .fill("Bis", "01.04.2024")
            .fill("Bemerkung", bemerkung)
            .submit(&user)
            .await;
        if refused {
            res.assert_status(422);
            assert_eq!(
                res.html().field_error("Bemerkung").as_deref(),
                Some("Der Text enthält unzulässige Steuerzeichen.")
            );
        } else {
            res.assert_status(200);
            res.assert_contains("Zusammenfassung");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_datenimport_lists_the_first_200_problems_and_counts_the_rest() {
    let (server, people) = persons::start(TestServer::builder(), |_, _| Vec::new()).await;
    let kassen = signed_in(&server, &people.kassen).await;
    let bad: Vec<usize> = (2..302).collect();
    let csv = crate::persons::persons_csv(400, &bad);
    let page = kassen.get("/kassen/datenimport").await;
    let res = page
        .form_with_button("Probelauf")
        .select("Mitglied", "Blaugraben (78970)")
        .select("Art der Datei", "Anspruchsberechtigte")
        .attach("CSV-Datei", "daten.csv", csv.as_bytes())
        .submit_with(&kassen, "Probelauf")
        .await;
    res.assert_status(422);
    res.assert_contains("300 Fehler gefunden. Es wurde nichts importiert.");
    assert_eq!(res.select_texts("table tbody tr").len(), 200);
    res.assert_contains(
        "Angezeigt sind die ersten 200 Fehler; 100 weitere Fehler sind nicht aufgeführt.",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_only_so_many_searches_a_minute() {
    let (server, kassen, admin) =
        start_with_kassen_and_admin(TestServer::builder().env("MV_SECURITY__SEARCH_LIMIT", "3"))
            .await;
    let client = signed_in(&server, &admin).await;
    for i in 0..3 {
        client
            .get(&format!("/suche?q=Abrechnung{i}"))
            .await
            .assert_status(200);
    }
    let refused = client.get("/suche?q=Abrechnung").await;
    refused.assert_status(429);
    refused.assert_contains("Zu viele Anfragen");
    // The page without a query, and another session, are not limited.
    client.get("/suche").await.assert_status(200);
    let other = signed_in(&server, &kassen).await;
    other.get("/suche?q=Abrechnung").await.assert_status(200);
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_hand_over_mark_and_backups_are_0600_and_a_wide_mail_key_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = DataDir::new();
    let (server, kassen, _) =
        start_with_kassen_and_admin(TestServer::builder().data_dir(&dir)).await;
    let client = signed_in(&server, &kassen).await;
    client
        .get("/kassen/datensicherung")
        .await
        .form_with_button("Sicherung jetzt erstellen")
        .submit(&client)
        .await;
    let backups: Vec<_> = std::fs::read_dir(dir.join("backups"))
        .expect("backup directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    for path in [
        dir.join("meine-versorgung.redb"),
        dir.join("mail-handover"),
        dir.join("mail.key"),
        backups[0].clone(),
    ] {
        assert_eq!(mode_of(&path), 0o600, "{}", path.display());
    }
    let dir = server.shutdown().await;

    // mail.key readable by others: the portal does not start with it.
    std::fs::set_permissions(dir.join("mail.key"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let refused = TestServer::builder().data_dir(&dir).try_start().await;
    let Err(e) = refused else {
        panic!("the portal started with a mail.key of mode 0644");
    };
    assert!(e.to_string().contains("mail.key"), "{e}");
    assert!(e.to_string().contains("0600"), "{e}");
}
