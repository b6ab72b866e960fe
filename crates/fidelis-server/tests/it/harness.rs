//! `TestApp`: a server on 127.0.0.1:0 over a fresh SQLite database holding a small fixture.

use fidelis_domain::Entity;
use fidelis_server::Application;
use fidelis_store::Store;
use fidelis_store::import::{ImportOptions, import_file};
use std::net::SocketAddr;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
}

const FIXTURE: &[(Entity, &str)] = &[
    (
        Entity::Channels,
        "id,name,kind,cost_per_contact\nWEB,Web,web,0.20\n",
    ),
    (
        Entity::Customers,
        "id,first_name,last_name,email,city,acquisition_channel,attr.card\n\
         C1,Anne,Durand,anne@example.fr,Béziers,WEB,gold\n\
         C2,<b>Paul</b>,Martin,,Lyon,,\n",
    ),
    (
        Entity::Consents,
        "customer_id,channel,purpose,status,date\nC1,email,marketing,granted,2024-01-01\n",
    ),
];

impl TestApp {
    pub async fn spawn() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        let store = Store::open(&url).await.expect("open store");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("date");
        for (entity, text) in FIXTURE {
            let path = dir.path().join(format!("{entity}.csv"));
            std::fs::write(&path, text).expect("write fixture");
            let summary = import_file(&store, &path, &ImportOptions::new(*entity, today), &|_| {})
                .await
                .expect("import");
            assert_eq!(
                summary.rejected, 0,
                "fixture rejects: {:?}",
                summary.first_rejects
            );
        }
        let app = Application::build("127.0.0.1:0".parse().expect("addr"), store)
            .await
            .expect("bind");
        let addr = app.local_addr().expect("local addr");
        tokio::spawn(app.run_until_stopped());
        TestApp {
            addr,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://{}{path}", self.addr))
            .send()
            .await
            .expect("request")
    }
}
