fn main() {
    std::process::exit(tanmatsu::cli::run());
}
