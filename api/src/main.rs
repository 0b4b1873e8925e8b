use clap::Parser;

/// mimalloc instead of glibc's allocator: a sign-in storm (argon2id takes 19 MiB per check) left
/// glibc holding 250 MB after the benchmark's sign-ins, returned to the OS only slowly;
/// mimalloc gives freed pages back (docs/benchmarks.md, 2026-11-26).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() {
    let cli = kaidan_api::cli::Cli::parse();
    if let Err(e) = kaidan_api::cli::run(cli).await {
        eprintln!("kaidan: {e:#}");
        std::process::exit(1);
    }
}
