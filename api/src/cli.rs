//! The `kaidan` command line.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kaidan_shared::user::UserCreate;
use kaidan_shared::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::auth::password::PasswordHasher;
use crate::auth::Actor;
use crate::config::Settings;
use crate::entities::{region, team};
use crate::services::user as users;

#[derive(Parser)]
#[command(
    name = "kaidan",
    version,
    about = "开单 Kaidan — sales management server"
)]
pub struct Cli {
    /// Configuration file (default: ./kaidan.toml when present). KAIDAN_* variables override it.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API and the web app.
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo company (idempotent): users of every role and 500 customers. Refuses a
    /// database that has users the demo did not create (a real install), unless --force.
    SeedDemo {
        #[arg(long, default_value_t = 500)]
        customers: usize,
        /// Seed even though the database has users of its own (they would share it with demo
        /// accounts whose password is published).
        #[arg(long)]
        force: bool,
    },
    /// Generate a large data set for load benchmarks (tops up to N customers, 2 contacts each).
    SeedBench {
        #[arg(long, default_value_t = 1_000_000)]
        customers: u64,
        #[arg(long, default_value_t = 200)]
        reps: usize,
        /// Planned visits of the first rep for the check-in benchmark, one per check-in a run
        /// makes (default: one per 20 customers, at least 5,000).
        #[arg(long)]
        check_ins: Option<u64>,
    },
    /// Print the OpenAPI spec.
    Openapi,
    /// Serve one no-op JSON endpoint (`GET /noop`) on a bare actix-web server: the framework's
    /// ceiling, measured beside the real endpoints by scripts/bench.
    #[command(hide = true)]
    NoopServer {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Run a background job now (`pool_reclaim`, `deal_stale`), on this process, under its
    /// lease like a server would: for operators after a change of rules, and for the
    /// reclaim-under-load benchmark. Prints what it did.
    RunJob {
        /// The job's name.
        name: String,
    },
    /// Manage user accounts without the web app (the first admin of a real install).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from KAIDAN_PASSWORD or standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// admin, regional_manager, supervisor, sales_rep or customer_service
        #[arg(long, default_value = "admin")]
        role: String,
        /// Team name (supervisors, sales reps, customer service).
        #[arg(long)]
        team: Option<String>,
        /// Region name (regional managers).
        #[arg(long)]
        region: Option<String>,
    },
    /// Set a new password. Read from KAIDAN_PASSWORD or standard input. Ends the user's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
    },
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("KAIDAN_PASSWORD") {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        let p = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat: ")?;
        anyhow::ensure!(p == again, "the passwords differ");
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs the command; errors come back as plain messages for the operator.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Openapi => {
            print!("{}", crate::openapi::spec_json());
            Ok(())
        }
        Command::Serve => {
            crate::telemetry::init(&settings.log);
            let host = settings.server.host.clone();
            let hasher = PasswordHasher::new(&settings.auth)?;
            let app = crate::startup::Application::build(settings).await?;
            if let Err(e) = users::reconcile_demo_flags(&app.db, &hasher).await {
                tracing::warn!(error = ?e, "could not check the demo accounts' passwords");
            }
            warn_demo_passwords(&app.db).await;
            tracing::info!("Kaidan is serving on http://{}:{}", host, app.port());
            println!(
                "Kaidan 开单 is running: http://{}:{}/  (API docs: /api/docs)",
                host,
                app.port()
            );
            app.run_until_stopped().await?;
            Ok(())
        }
        Command::NoopServer { port } => {
            crate::tools::noop_server::run(&settings.server.host, port, settings.server.workers)
                .await
        }
        Command::Migrate => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo { customers, force } => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db).await?;
            let foreign = crate::seed::users_not_from_demo(&db)
                .await
                .map_err(describe)?;
            if !foreign.is_empty() && !force {
                anyhow::bail!(
                    "refusing to load the demo company: this database has {} user(s) the demo did \
                     not create (e.g. {}). The demo accounts share one published password. Use \
                     --force to seed anyway.",
                    foreign.len(),
                    foreign
                        .iter()
                        .take(3)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let hasher = PasswordHasher::new(&settings.auth)?;
            let report = crate::seed::seed_demo(&db, &hasher, customers)
                .await
                .map_err(|e| anyhow::anyhow!("seeding failed: {e} ({:?})", e.source))?;
            println!(
                "demo data ready: {} users, {} customers, {} deals, {} customers in the pools, \
                 {} leads, {} visits, {} products, {} quotes and {} contracts added (existing \
                 ones kept)",
                report.users_created,
                report.customers_created,
                report.deals_created,
                report.pooled,
                report.leads_created,
                report.visits_created,
                report.products_created,
                report.quotes_created,
                report.contracts_created
            );
            Ok(())
        }
        Command::SeedBench {
            customers,
            reps,
            check_ins,
        } => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db).await?;
            let hasher = PasswordHasher::new(&settings.auth)?;
            let r = crate::seed::bench::seed_bench(&db, &hasher, customers, reps, check_ins)
                .await
                .map_err(describe)?;
            println!(
                "bench data: {} reps; added {} customers, {} contacts, {} deals, {} leads, \
                 {} visits and {} follow-ups, planned {} for today and {} to check in, \
                 {} contracts waiting for approval and {} drafts to submit, \
                 pooled {} and made {} due for reclaim in {:.1} s ({:.0} rows/s)",
                r.reps,
                r.customers_added,
                r.contacts_added,
                r.pipeline.deals,
                r.pipeline.leads,
                r.visits.visits,
                r.visits.tasks,
                r.visits.today,
                r.visits.check_ins,
                r.contracts.waiting,
                r.contracts.drafts,
                r.pipeline.pooled,
                r.pipeline.due,
                r.seconds,
                r.rows_per_second()
            );
            Ok(())
        }
        Command::RunJob { name } => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db).await?;
            let job = crate::jobs::all(&settings.jobs)
                .into_iter()
                .find(|j| j.name() == name)
                .ok_or_else(|| anyhow::anyhow!("no job named {name}"))?;
            let ctx = crate::jobs::JobContext::new(
                db.clone(),
                std::sync::Arc::new(crate::clock::Clock::default()),
                chrono::Duration::seconds(settings.jobs.lease_secs as i64),
            );
            crate::jobs::make_due(&db, job.name(), ctx.clock.now())
                .await
                .map_err(describe)?;
            let started = std::time::Instant::now();
            match crate::jobs::run_if_due(&ctx, job.as_ref())
                .await
                .map_err(describe)?
            {
                Some(r) => println!(
                    "{}: {} batches in {:.1} s, {:?}",
                    r.job,
                    r.batches,
                    started.elapsed().as_secs_f64(),
                    r.counts
                ),
                None => println!("{name}: another instance holds its lease; nothing run"),
            }
            Ok(())
        }
        Command::User { command } => {
            let db = crate::db::connect(&settings).await?;
            crate::db::migrate(&db).await?;
            let hasher = PasswordHasher::new(&settings.auth)?;
            let system = Actor::system();
            match command {
                UserCommand::Add {
                    username,
                    display_name,
                    role,
                    team: team_name,
                    region: region_name,
                } => {
                    let role =
                        Role::parse(&role).ok_or_else(|| anyhow::anyhow!("unknown role {role}"))?;
                    let team_id = match team_name {
                        Some(n) => Some(
                            team::Entity::find()
                                .filter(team::Column::Name.eq(n.as_str()))
                                .one(&db)
                                .await?
                                .ok_or_else(|| anyhow::anyhow!("no team named {n}"))?
                                .id,
                        ),
                        None => None,
                    };
                    let region_id = match region_name {
                        Some(n) => Some(
                            region::Entity::find()
                                .filter(region::Column::Name.eq(n.as_str()))
                                .one(&db)
                                .await?
                                .ok_or_else(|| anyhow::anyhow!("no region named {n}"))?
                                .id,
                        ),
                        None => None,
                    };
                    let password = read_password()?;
                    let input = UserCreate {
                        display_name: display_name.unwrap_or_else(|| username.clone()),
                        username,
                        password,
                        role,
                        team_id,
                        region_id,
                        email: None,
                        phone: None,
                        grants: Vec::new(),
                    };
                    let u = users::create(&db, &hasher, &system, input)
                        .await
                        .map_err(describe)?;
                    println!("created {} ({})", u.username, u.role.as_str());
                }
                UserCommand::ResetPassword { username } => {
                    let u = users::find_by_username(&db, &username)
                        .await
                        .map_err(describe)?
                        .ok_or_else(|| anyhow::anyhow!("no user named {username}"))?;
                    let password = read_password()?;
                    users::reset_password(&db, &hasher, &system, u.id, password)
                        .await
                        .map_err(describe)?;
                    println!("password reset for {username}; their sessions have ended");
                }
            }
            Ok(())
        }
    }
}

/// Says loudly, at start, when an active account still has the demo password from the README.
async fn warn_demo_passwords(db: &sea_orm::DatabaseConnection) {
    match users::with_demo_password(db).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::warn!(
                accounts = n,
                "SECURITY: {n} active account(s) still use the published demo password; change them \
                 or deactivate them before real use (/readyz reports demo_password_in_use)"
            );
            eprintln!(
                "\n  !!! WARNING: {n} active account(s) still use the demo password from the README.\n  \
                 !!! Anyone can sign in as them. Change or deactivate them before real use.\n"
            );
        }
        Err(e) => tracing::warn!(error = ?e, "could not check for demo passwords"),
    }
}

/// A readable message from an API error, listing field problems.
fn describe(e: crate::error::AppError) -> anyhow::Error {
    let mut msg = e.problem().title;
    if let Some(d) = &e.detail {
        msg.push_str(": ");
        msg.push_str(d);
    }
    for f in &e.errors {
        msg.push_str(&format!("\n  {}: {}", f.field, f.message));
    }
    if let Some(s) = &e.source {
        msg.push_str(&format!("\n  cause: {s}"));
    }
    anyhow::anyhow!(msg)
}
