fn main() -> std::process::ExitCode {
    leadbench::cli::main()
}
