//! The leased job runner: one run at a time across instances, batches that commit with their
//! checkpoint, a crashed run resumed where it stopped, every run audited.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, Utc};
use kaidan_api::entities::customer;
use kaidan_api::jobs::{lease, BoxFuture, Counts, Job, Step};
use kaidan_api::services::begin_write;
use kaidan_tests::{spawn_app, TestApp};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

/// Appends `+` to the notes of every customer, three customers a batch, in id order — so a
/// customer done twice shows `++`.
struct Mark {
    /// Fail the second batch once (a run that breaks halfway).
    fail_once: AtomicBool,
}

impl Mark {
    fn new() -> Mark {
        Mark {
            fail_once: AtomicBool::new(false),
        }
    }
}

impl Job for Mark {
    fn name(&self) -> &'static str {
        "test_mark"
    }
    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::hours(1)
    }
    fn step<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        cursor: Option<&'a str>,
        _now: DateTime<Utc>,
    ) -> BoxFuture<'a, kaidan_api::error::AppResult<Step>> {
        Box::pin(async move {
            if cursor.is_some() && self.fail_once.swap(false, Ordering::SeqCst) {
                return Err(kaidan_api::error::AppError::internal(anyhow::anyhow!(
                    "broken halfway"
                )));
            }
            let mut sel = customer::Entity::find()
                .order_by_asc(customer::Column::Id)
                .limit(3);
            if let Some(c) = cursor {
                sel = sel.filter(customer::Column::Id.gt(c.parse::<Uuid>().unwrap()));
            }
            let rows = sel.all(txn).await?;
            for c in &rows {
                let notes = format!("{}+", c.notes.clone().unwrap_or_default());
                customer::Entity::update_many()
                    .col_expr(customer::Column::Notes, Expr::value(notes))
                    .filter(customer::Column::Id.eq(c.id))
                    .exec(txn)
                    .await?;
            }
            let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
            let mut counts = Counts::new();
            counts.insert("marked".into(), ids.len() as u64);
            Ok(Step {
                next: (ids.len() == 3).then(|| ids[2].to_string()),
                counts,
            })
        })
    }
}

async fn customers(app: &TestApp, n: usize) {
    let rep = app.login("rep_east1").await;
    for i in 0..n {
        app.create_customer(&rep, json!({"name": format!("任务客户{i}")}))
            .await;
    }
}

/// Every customer's notes, as the job left them.
async fn marks(app: &TestApp) -> Vec<String> {
    customer::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.notes.unwrap_or_default())
        .collect()
}

async fn runs_audited(app: &TestApp) -> Vec<serde_json::Value> {
    let admin = app.login("admin").await;
    app.get(&admin, "/api/v1/audit?action=job.run")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["after"].clone())
        .collect()
}

#[tokio::test]
async fn a_run_does_every_item_once_is_audited_and_waits_for_its_next_time() {
    let app = spawn_app().await;
    customers(&app, 7).await;
    let job = Mark::new();
    let report = app.run_job(&job).await.expect("due at first");
    assert_eq!(report.counts["marked"], 7);
    assert_eq!(report.batches, 3);
    assert!(!report.resumed);
    assert!(marks(&app).await.iter().all(|n| n == "+"));
    let audited = runs_audited(&app).await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["job"], "test_mark");
    assert_eq!(audited[0]["counts"]["marked"], 7);

    // Not due again for an hour.
    assert!(app.run_job(&job).await.is_none());
    app.clock.advance(Duration::minutes(61));
    assert_eq!(app.run_job(&job).await.unwrap().counts["marked"], 7);
    assert!(marks(&app).await.iter().all(|n| n == "++"));
}

#[tokio::test]
async fn a_run_that_fails_halfway_is_retried_from_where_it_stopped() {
    let app = spawn_app().await;
    customers(&app, 7).await;
    let job = Mark::new();
    job.fail_once.store(true, Ordering::SeqCst);
    let err = kaidan_api::jobs::run_if_due(&app.jobs, &job).await;
    assert!(err.is_err());
    // The first batch committed; the second rolled back.
    let done = marks(&app).await;
    assert_eq!(done.iter().filter(|n| *n == "+").count(), 3);
    // Retried a minute later, from the checkpoint, reporting the whole run.
    assert!(app.run_job(&job).await.is_none());
    app.clock.advance(Duration::minutes(2));
    let report = app.run_job(&job).await.expect("retried");
    assert!(report.resumed);
    assert_eq!(report.counts["marked"], 7);
    assert!(marks(&app).await.iter().all(|n| n == "+"));
}

#[tokio::test]
async fn a_crashed_instances_run_is_taken_over_after_its_lease_and_its_late_batch_is_refused() {
    let app = spawn_app().await;
    customers(&app, 7).await;
    let job = Mark::new();
    // An instance takes the lease, does one batch, and dies.
    let now = app.clock.now();
    let dead = lease::acquire(&app.db, "test_mark", "dead:1:x", now, Duration::minutes(2))
        .await
        .unwrap()
        .expect("free");
    let txn = begin_write(&app.db).await.unwrap();
    let step = job.step(&txn, None, now).await.unwrap();
    let cursor = json!({"at": step.next, "counts": {"marked": 3}}).to_string();
    dead.checkpoint(&txn, &cursor, now).await.unwrap();
    txn.commit().await.unwrap();

    // While its lease lasts nobody else runs the job.
    let other = app.another_instance().await;
    assert!(other.run_job(&job).await.is_none());
    // Then the other instance takes over and resumes.
    other.clock.advance(Duration::minutes(3));
    let report = other.run_job(&job).await.expect("taken over");
    assert!(report.resumed);
    assert_eq!(report.counts["marked"], 7);
    assert!(marks(&app).await.iter().all(|n| n == "+"));

    // The dead instance wakes up and tries to check a batch in: refused, rolled back.
    let txn = app.db.begin().await.unwrap();
    job.step(&txn, None, now).await.unwrap();
    let late = dead.checkpoint(&txn, &cursor, now).await;
    assert!(late.as_ref().is_err_and(lease::is_lost), "{late:?}");
    drop(txn);
    assert!(marks(&app).await.iter().all(|n| n == "+"));
}

#[tokio::test]
async fn two_instances_racing_for_a_due_job_run_it_once() {
    let app = spawn_app().await;
    customers(&app, 10).await;
    let other = app.another_instance().await;
    let job = Mark::new();
    for round in 0..3 {
        let (a, b) = tokio::join!(app.run_job(&job), other.run_job(&job));
        assert_eq!(
            a.is_some() as u8 + b.is_some() as u8,
            1,
            "round {round}: exactly one instance ran it"
        );
        let want = "+".repeat(round + 1);
        assert!(
            marks(&app).await.iter().all(|n| *n == want),
            "round {round}"
        );
        app.clock.advance(Duration::minutes(61));
        other.clock.advance(Duration::minutes(61));
    }
    assert_eq!(runs_audited(&app).await.len(), 3);
}
