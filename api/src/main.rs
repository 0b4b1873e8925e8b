use clap::Parser;

#[actix_web::main]
async fn main() {
    let cli = kaidan_api::cli::Cli::parse();
    if let Err(e) = kaidan_api::cli::run(cli).await {
        eprintln!("kaidan: {e:#}");
        std::process::exit(1);
    }
}
