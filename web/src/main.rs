fn main() {
    kaidan_web::start();
}
