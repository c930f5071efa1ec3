//! Runs `load` against every echo server and prints a Markdown table.
//!
//! ```text
//! bench-all [--seconds S] [--warmup S] [--loader-threads N] [--build]
//!           [--server-cpus 0] [--loader-cpus 1]
//!           [--servers native,component,command,p3,p3-embedded,p3-composed,tungstenite,fastwebsockets]
//!           [--framings rfc6455,hixie76,rfc6455-deflate] [--cases 100x20,10x1024,...]
//!           [--repeat N] [--bin-dir DIR] [--json FILE] [--startup-timeout SECS]
//! ```
//!
//! Each (server, framing, case) runs against a fresh server process on
//! 127.0.0.1 port 0, so that its peak RSS is that case's. The cases
//! (connections x payload bytes) are 100 x 20 B, 10 x 1 KiB,
//! 200 x 16 KiB, 1000 x 512 B and 500 x 64 KiB text messages, unless
//! `--cases` names others; in RFC 6455 against every server and in hixie76
//! against ours; `rfc6455-deflate` (not run unless asked) is RFC 6455 with
//! permessage-deflate (`load --deflate`), against ours only. The servers:
//! ours native (`serve --native`), ours as a component in embedded
//! wasmtime (`serve`), ours as the command component under the wasmtime
//! CLI (`wasmtime run -S inherit-network serve.wasm`, one instance
//! multiplexing every connection; `wasmtime` from `PATH`), ours as the
//! WASI 0.3 command component (`serve-p3.wasm`, one instance, a task per
//! connection) under the wasmtime CLI (`p3`) and in the embedded wasmtime
//! (`p3-embedded`, `serve --wasi p3`), ours as the WASI 0.3 library
//! component composed with `examples/app-p3` (`p3-composed`, `wac plug`
//! into `target/wasm32-wasip2/release/composed-p3.wasm`),
//! tokio-tungstenite and fastwebsockets. Binaries are looked up beside this
//! one (`target/release/`, and `examples/serve` under it; the command
//! component in `target/wasm32-wasip2/release/examples/serve.wasm`);
//! `--build` builds them first. `--server-cpus` and `--loader-cpus` pin
//! the servers and the loader to CPUs (`sched_setaffinity`), to compare
//! servers on one core. Every server is killed at the
//! end, on failure too (and, should this process die, by the kernel:
//! `PR_SET_PDEATHSIG`).

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    imp::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::io::{BufRead, BufReader, Read};
    use std::os::unix::process::CommandExt;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};
    use std::thread;
    use std::time::{Duration, Instant};

    use websocket_loadtest::{die, fmt_us, parse_or_die, Report};

    const NAME: &str = "bench-all";
    const USAGE: &str = "usage: bench-all [--seconds S] [--warmup S] [--loader-threads N] [--server-cpus 0] [--loader-cpus 1] [--build] \
                         [--servers native,component,command,p3,p3-embedded,p3-composed,tungstenite,fastwebsockets] \
                         [--framings rfc6455,hixie76,rfc6455-deflate] [--cases 100x20,10x1024,...] [--repeat N] \
                         [--bin-dir DIR] [--json FILE] [--startup-timeout SECS]";

    /// (connections, payload bytes)
    const CASES: [(usize, usize); 5] = [
        (100, 20),
        (10, 1024),
        (200, 16 * 1024),
        (1000, 512),
        (500, 64 * 1024),
    ];

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Server {
        Native,
        Component,
        CommandComponent,
        P3Component,
        P3Embedded,
        P3Composed,
        Tungstenite,
        Fastwebsockets,
    }

    const SERVERS: [Server; 8] = [
        Server::Native,
        Server::Component,
        Server::CommandComponent,
        Server::P3Component,
        Server::P3Embedded,
        Server::P3Composed,
        Server::Tungstenite,
        Server::Fastwebsockets,
    ];

    impl Server {
        fn key(self) -> &'static str {
            match self {
                Server::Native => "native",
                Server::Component => "component",
                Server::CommandComponent => "command",
                Server::P3Component => "p3",
                Server::P3Embedded => "p3-embedded",
                Server::P3Composed => "p3-composed",
                Server::Tungstenite => "tungstenite",
                Server::Fastwebsockets => "fastwebsockets",
            }
        }

        fn label(self) -> &'static str {
            match self {
                Server::Native => "ours, native (serve --native)",
                Server::Component => "ours, component (serve)",
                Server::CommandComponent => "ours, command component (wasmtime run serve.wasm)",
                Server::P3Component => "ours, WASI 0.3 command component (wasmtime run serve-p3.wasm)",
                Server::P3Embedded => {
                    "ours, WASI 0.3 command component in embedded wasmtime (serve --wasi p3)"
                }
                Server::P3Composed => {
                    "ours, WASI 0.3 library component composed with app-p3 (wasmtime run composed-p3.wasm)"
                }
                Server::Tungstenite => "tokio-tungstenite 0.30",
                Server::Fastwebsockets => "fastwebsockets 0.10",
            }
        }

        /// Only ours speak hixie76 and permessage-deflate.
        fn speaks(self, framing: &str) -> bool {
            framing == "rfc6455"
                || matches!(
                    self,
                    Server::Native
                        | Server::Component
                        | Server::CommandComponent
                        | Server::P3Component
                        | Server::P3Embedded
                        | Server::P3Composed
                )
        }

        fn command(self, bin: &Path) -> Command {
            let mut cmd = match self {
                Server::Native | Server::Component | Server::P3Embedded => {
                    Command::new(bin.join("examples").join("serve"))
                }
                Server::CommandComponent | Server::P3Component | Server::P3Composed => {
                    let mut cmd = Command::new("wasmtime");
                    cmd.args(["run", "-S", "inherit-network", "-S", "tls"])
                        .arg(command_component(bin, self));
                    cmd
                }
                Server::Tungstenite => Command::new(bin.join("tungstenite-echo")),
                Server::Fastwebsockets => Command::new(bin.join("fastwebsockets-echo")),
            };
            cmd.args(["--listen", "127.0.0.1:0"]);
            match self {
                Server::Native => {
                    cmd.arg("--native");
                }
                Server::P3Embedded => {
                    cmd.args(["--wasi", "p3"]).env(
                        "WEBSOCKET_P3_COMPONENT",
                        command_component(bin, Server::P3Component),
                    );
                }
                _ => {}
            }
            cmd
        }
    }

    /// The command component `serve.wasm`, `serve-p3.wasm` for
    /// [`Server::P3Component`], or the composed `composed-p3.wasm` for
    /// [`Server::P3Composed`], for `bin` = `target/release`.
    fn command_component(bin: &Path, server: Server) -> PathBuf {
        let release = bin.parent().unwrap_or(bin).join("wasm32-wasip2/release");
        match server {
            Server::P3Component | Server::P3Embedded => release.join("examples/serve-p3.wasm"),
            Server::P3Composed => release.join("composed-p3.wasm"),
            _ => release.join("examples/serve.wasm"),
        }
    }

    struct Args {
        seconds: f64,
        warmup: f64,
        loader_threads: usize,
        /// The CPUs the servers run on (none: any), and the loader's.
        server_cpus: Vec<usize>,
        loader_cpus: Vec<usize>,
        build: bool,
        servers: Vec<Server>,
        framings: Vec<String>,
        cases: Vec<(usize, usize)>,
        bin_dir: PathBuf,
        json: Option<PathBuf>,
        startup_timeout: Duration,
        repeat: usize,
    }

    /// `0,2` as CPU numbers.
    fn cpu_list(list: &str) -> Vec<usize> {
        list.split(',')
            .map(|cpu| {
                cpu.trim()
                    .parse()
                    .unwrap_or_else(|_| die(NAME, format!("bad CPU number {cpu:?}")))
            })
            .collect()
    }

    fn parse() -> Args {
        let here = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("."));
        let mut args = Args {
            seconds: 5.0,
            warmup: 1.0,
            loader_threads: 1,
            server_cpus: Vec::new(),
            loader_cpus: Vec::new(),
            build: false,
            servers: SERVERS.to_vec(),
            framings: vec!["rfc6455".into(), "hixie76".into()],
            cases: CASES.to_vec(),
            bin_dir: here,
            json: None,
            startup_timeout: Duration::from_secs(900),
            repeat: 1,
        };
        let mut argv = std::env::args().skip(1);
        while let Some(arg) = argv.next() {
            match arg.as_str() {
                "--seconds" => args.seconds = parse_or_die(NAME, &arg, argv.next()),
                "--warmup" => args.warmup = parse_or_die(NAME, &arg, argv.next()),
                "--loader-threads" => args.loader_threads = parse_or_die(NAME, &arg, argv.next()),
                "--server-cpus" => {
                    args.server_cpus = cpu_list(&parse_or_die::<String>(NAME, &arg, argv.next()))
                }
                "--loader-cpus" => {
                    args.loader_cpus = cpu_list(&parse_or_die::<String>(NAME, &arg, argv.next()))
                }
                "--startup-timeout" => {
                    args.startup_timeout = Duration::from_secs(parse_or_die(NAME, &arg, argv.next()))
                }
                "--build" => args.build = true,
                "--repeat" => args.repeat = parse_or_die(NAME, &arg, argv.next()),
                "--bin-dir" => args.bin_dir = parse_or_die(NAME, &arg, argv.next()),
                "--json" => args.json = Some(parse_or_die(NAME, &arg, argv.next())),
                "--servers" => {
                    let list: String = parse_or_die(NAME, &arg, argv.next());
                    args.servers = list
                        .split(',')
                        .map(|s| {
                            SERVERS
                                .into_iter()
                                .find(|k| k.key() == s.trim())
                                .unwrap_or_else(|| die(NAME, format!("unknown server {s:?}\n{USAGE}")))
                        })
                        .collect();
                }
                "--cases" => {
                    let list: String = parse_or_die(NAME, &arg, argv.next());
                    args.cases = list
                        .split(',')
                        .map(|case| {
                            case.trim()
                                .split_once('x')
                                .and_then(|(c, s)| Some((c.parse().ok()?, s.parse().ok()?)))
                                .unwrap_or_else(|| {
                                    die(
                                        NAME,
                                        format!("a case is CONNECTIONSxBYTES, not {case:?}\n{USAGE}"),
                                    )
                                })
                        })
                        .collect();
                }
                "--framings" => {
                    let list: String = parse_or_die(NAME, &arg, argv.next());
                    args.framings = list.split(',').map(|s| s.trim().to_owned()).collect();
                    if let Some(bad) = args
                        .framings
                        .iter()
                        .find(|f| !["rfc6455", "hixie76", "rfc6455-deflate"].contains(&f.as_str()))
                    {
                        die(NAME, format!("unknown framing {bad:?}\n{USAGE}"));
                    }
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0)
                }
                other => die(NAME, format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        args
    }

    /// Kills the process when dropped, and asks the kernel to kill it
    /// should this process die first.
    struct Guard(Child);

    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Spawns `cmd`, killed with this process, on the CPUs `cpus` (none:
    /// any).
    fn spawn(mut cmd: Command, cpus: &[usize]) -> std::io::Result<Guard> {
        // SAFETY: the set is built before the fork; prctl and
        // sched_setaffinity are async-signal-safe system calls, and nothing
        // else runs between fork and exec.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for &cpu in cpus {
                libc::CPU_SET(cpu, &mut set);
            }
            let pin = !cpus.is_empty();
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if pin && libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        cmd.spawn().map(Guard)
    }

    /// A running server: its URL and what it wrote to stderr.
    struct Running {
        guard: Guard,
        url: String,
        stderr: Arc<Mutex<(Vec<String>, usize)>>,
    }

    fn start(server: Server, args: &Args) -> Result<Running, String> {
        let mut cmd = server.command(&args.bin_dir);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let program = cmd.get_program().to_string_lossy().into_owned();
        let mut guard = spawn(cmd, &args.server_cpus).map_err(|e| format!("cannot start {program}: {e}"))?;
        let stdout = guard.0.stdout.take().expect("piped");
        let stderr = guard.0.stderr.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Keep draining, so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let log = Arc::new(Mutex::new((Vec::new(), 0usize)));
        let sink = log.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap_or_else(|p| p.into_inner());
                log.1 += 1;
                if log.0.len() < 20 {
                    log.0.push(line);
                }
            }
        });
        let first = match rx.recv_timeout(args.startup_timeout) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => {
                thread::sleep(Duration::from_millis(200));
                let log = log.lock().unwrap_or_else(|p| p.into_inner());
                return Err(format!(
                    "{program} printed nothing and ended: {}",
                    log.0.join(" | ")
                ));
            }
            Err(_) => {
                return Err(format!(
                    "{program} did not announce itself within {:?}",
                    args.startup_timeout
                ))
            }
        };
        let url = first
            .strip_prefix("listening on ")
            .filter(|u| u.starts_with("ws://"))
            .ok_or_else(|| format!("{program}'s first line is not `listening on ws://...`: {first:?}"))?
            .to_owned();
        Ok(Running {
            guard,
            url,
            stderr: log,
        })
    }

    /// Runs `load` once; `Err` if it printed no report.
    fn load(
        args: &Args,
        url: &str,
        pid: u32,
        framing: &str,
        (connections, size): (usize, usize),
    ) -> Result<Report, String> {
        let mut cmd = Command::new(args.bin_dir.join("load"));
        match framing.strip_suffix("-deflate") {
            Some(version) => cmd.args(["--version", version, "--deflate"]),
            None => cmd.args(["--version", framing]),
        };
        cmd.args(["--url", url, "--json"])
            .args(["--connections", &connections.to_string()])
            .args(["--size", &size.to_string()])
            .args(["--seconds", &args.seconds.to_string()])
            .args(["--warmup", &args.warmup.to_string()])
            .args(["--threads", &args.loader_threads.to_string()])
            .args(["--server-pid", &pid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut guard = spawn(cmd, &args.loader_cpus).map_err(|e| format!("cannot start load: {e}"))?;
        let mut stdout = guard.0.stdout.take().expect("piped");
        let mut stderr = guard.0.stderr.take().expect("piped");
        let out = thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let err = thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        });
        // Opening, warm-up, the run, the grace for stuck echoes, closing.
        let deadline = Instant::now() + Duration::from_secs_f64(args.warmup + args.seconds + 120.0);
        let status = loop {
            if let Some(status) = guard.0.try_wait().map_err(|e| e.to_string())? {
                break status;
            }
            if Instant::now() > deadline {
                return Err("load did not finish in time (killed)".into());
            }
            thread::sleep(Duration::from_millis(50));
        };
        let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
        match out.lines().last().map(serde_json::from_str::<Report>) {
            Some(Ok(report)) => Ok(report),
            _ => Err(format!(
                "load failed ({status}): {}",
                err.trim().replace('\n', " | ")
            )),
        }
    }

    struct Row {
        server: Server,
        framing: String,
        case: (usize, usize),
        result: Result<Report, String>,
        stderr: Vec<String>,
        stderr_lines: usize,
    }

    fn build() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("loadtest/ sits in the workspace");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let steps: [&[&str]; 3] = [
            &["build", "--release", "-p", "websocket-loadtest", "--bins"],
            &[
                "build",
                "--release",
                "-p",
                "websocket-engine",
                "--example",
                "serve",
            ],
            &[
                "build",
                "--release",
                "--target",
                "wasm32-wasip2",
                "-p",
                "websocket-engine",
                "--lib",
                "--example",
                "serve",
                "--example",
                "serve-p3",
                "-p",
                "websocket-component-p3",
                "-p",
                "websocket-app-p3-example",
            ],
        ];
        let release = root.join("target/wasm32-wasip2/release");
        let plug = [
            "plug".to_owned(),
            release
                .join("websocket_app_p3_example.wasm")
                .display()
                .to_string(),
            "--plug".to_owned(),
            release.join("websocket_component_p3.wasm").display().to_string(),
            "-o".to_owned(),
            release.join("composed-p3.wasm").display().to_string(),
        ];
        let cargo_steps = steps.iter().map(|step| {
            let step: Vec<String> = step.iter().map(|s| s.to_string()).collect();
            (cargo.as_str(), step)
        });
        for (program, step) in cargo_steps.chain([("wac", plug.to_vec())]) {
            eprintln!("{NAME}: {program} {}", step.join(" "));
            let status = Command::new(program).args(&step).current_dir(root).status();
            match status {
                Ok(s) if s.success() => {}
                Ok(s) => die(NAME, format!("the build failed ({s})")),
                Err(e) => die(NAME, format!("cannot run {program}: {e}")),
            }
        }
    }

    pub fn main() {
        let args = parse();
        if args.build {
            build();
        }
        for exe in [
            "load",
            "tungstenite-echo",
            "fastwebsockets-echo",
            "examples/serve",
        ] {
            if !args.bin_dir.join(exe).exists() {
                die(
                    NAME,
                    format!(
                        "{} is missing: run with --build, or `cargo build --release -p websocket-loadtest --bins` \
                         and `cargo build --release -p websocket-engine --example serve`",
                        args.bin_dir.join(exe).display()
                    ),
                );
            }
        }
        for server in [
            Server::CommandComponent,
            Server::P3Component,
            Server::P3Embedded,
            Server::P3Composed,
        ] {
            let wasm = command_component(&args.bin_dir, server);
            if args.servers.contains(&server) && !wasm.exists() {
                die(
                    NAME,
                    format!(
                        "{} is missing: run with --build (which builds it, and composes it with `wac plug`)",
                        wasm.display()
                    ),
                );
            }
        }
        if args.repeat == 0 {
            die(NAME, "--repeat must be at least 1");
        }
        let mut rows = Vec::new();
        // Rounds outermost, servers innermost: a burst of noise on the
        // shared machine hits every server of a case alike.
        for round in 1..=args.repeat {
            for framing in &args.framings {
                for &case in &args.cases {
                    for &server in &args.servers {
                        if !server.speaks(framing) {
                            continue;
                        }
                        eprint!(
                            "{NAME}: round {round}/{}: {} {framing} {} x {} B ... ",
                            args.repeat,
                            server.key(),
                            case.0,
                            case.1
                        );
                        let row = run_one(&args, server, framing, case);
                        match &row.result {
                            Ok(r) => eprintln!("{}", r.line()),
                            Err(e) => eprintln!("FAILED: {e}"),
                        }
                        rows.push(row);
                        // Let the closed connections' sockets go before the next.
                        thread::sleep(Duration::from_millis(300));
                    }
                }
            }
        }
        print_tables(&args, &rows);
        if let Some(path) = &args.json {
            let all: Vec<_> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "server": r.server.key(),
                        "framing": r.framing,
                        "connections": r.case.0,
                        "size": r.case.1,
                        "report": r.result.as_ref().ok(),
                        "error": r.result.as_ref().err(),
                        "server_stderr": r.stderr,
                        "server_stderr_lines": r.stderr_lines,
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&all).expect("JSON");
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("{NAME}: cannot write {}: {e}", path.display());
            }
        }
        if rows
            .iter()
            .any(|r| r.result.as_ref().map_or(true, |r| r.failed_connections > 0))
        {
            std::process::exit(1);
        }
    }

    fn run_one(args: &Args, server: Server, framing: &str, case: (usize, usize)) -> Row {
        let mut row = Row {
            server,
            framing: framing.to_owned(),
            case,
            result: Err(String::new()),
            stderr: Vec::new(),
            stderr_lines: 0,
        };
        let mut running = match start(server, args) {
            Ok(r) => r,
            Err(e) => {
                row.result = Err(e);
                return row;
            }
        };
        let pid = running.guard.0.id();
        row.result = load(args, &running.url, pid, framing, case);
        if let Ok(Some(status)) = running.guard.0.try_wait() {
            let died = format!("the server died during the run ({status})");
            match &mut row.result {
                Ok(r) => r.errors.push(died),
                Err(e) => *e = format!("{died}; {e}"),
            }
        }
        drop(running.guard);
        thread::sleep(Duration::from_millis(100));
        let log = running.stderr.lock().unwrap_or_else(|p| p.into_inner());
        row.stderr = log.0.clone();
        row.stderr_lines = log.1;
        row
    }

    fn case_name((connections, size): (usize, usize)) -> String {
        if size >= 1024 && size % 1024 == 0 {
            format!("{connections} x {} KiB", size / 1024)
        } else {
            format!("{connections} x {size} B")
        }
    }

    /// The successful runs of one (server, framing, case), by msgs/s.
    fn runs<'a>(rows: &'a [Row], server: Server, framing: &str, case: (usize, usize)) -> Vec<&'a Report> {
        let mut runs: Vec<&Report> = rows
            .iter()
            .filter(|r| r.server == server && r.framing == framing && r.case == case)
            .filter_map(|r| r.result.as_ref().ok())
            .filter(|r| r.failed_connections == 0)
            .collect();
        runs.sort_by(|a, b| a.msgs_per_sec.total_cmp(&b.msgs_per_sec));
        runs
    }

    /// The run with the median msgs/s (the lower middle one of an even count).
    fn find<'a>(rows: &'a [Row], server: Server, framing: &str, case: (usize, usize)) -> Option<&'a Report> {
        let runs = runs(rows, server, framing, case);
        runs.get(runs.len().saturating_sub(1) / 2).copied()
    }

    fn ratio(a: Option<f64>, b: Option<f64>) -> String {
        match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => "–".into(),
        }
    }

    /// Server CPU time per echoed message, in µs: less noisy than msgs/s on
    /// a shared machine.
    fn cpu_per_message(r: &Report) -> Option<f64> {
        let cpu = r.server_cpu_pct?;
        (r.msgs_per_sec > 0.0).then(|| cpu / 100.0 / r.msgs_per_sec * 1e6)
    }

    fn print_tables(args: &Args, rows: &[Row]) {
        println!(
            "\n{} s per case after {} s of warm-up, {} run(s) per case (the median by msgs/s shown, with the \
             range), {} loader thread(s), {} cores; text messages, one outstanding per connection; MB/s = payload \
             bytes echoed per second, one direction, 10^6 B; CPU in % of one core over the measured window, and \
             server CPU time per echoed message; a fresh server process per run.\n",
            args.seconds,
            args.warmup,
            args.repeat,
            args.loader_threads,
            thread::available_parallelism().map_or(0, |n| n.get()),
        );
        println!(
            "| server | framing | case | msgs/s | msgs/s range | MB/s | p50 | p99 | peak RSS | idle RSS/conn | \
             server CPU | server CPU/msg | loader CPU | failed conns |"
        );
        println!("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for framing in &args.framings {
            for &case in &args.cases {
                for &server in &args.servers {
                    if !server.speaks(framing) {
                        continue;
                    }
                    let all: Vec<&Row> = rows
                        .iter()
                        .filter(|r| r.server == server && &r.framing == framing && r.case == case)
                        .collect();
                    let failed: usize = all
                        .iter()
                        .map(|r| r.result.as_ref().map_or(1, |r| r.failed_connections))
                        .sum();
                    let head = format!("| {} | {framing} | {} ", server.label(), case_name(case));
                    let ok = runs(rows, server, framing, case);
                    let Some(r) = find(rows, server, framing, case) else {
                        let why = all
                            .iter()
                            .find_map(|r| r.result.as_ref().err().cloned())
                            .unwrap_or_else(|| "connections failed, see below".into());
                        println!("{head}| FAILED: {} ||||||||||", why.replace('|', "/"));
                        continue;
                    };
                    let range = match (ok.first(), ok.last()) {
                        (Some(lo), Some(hi)) if ok.len() > 1 => {
                            format!("{:.0}–{:.0}", lo.msgs_per_sec, hi.msgs_per_sec)
                        }
                        _ => "–".into(),
                    };
                    println!(
                        "{head}| {:.0} | {range} | {:.2} | {} | {} | {} | {} | {} | {} | {} | {} |",
                        r.msgs_per_sec,
                        r.mb_per_sec,
                        fmt_us(r.p50_us),
                        fmt_us(r.p99_us),
                        r.server_peak_rss_kib
                            .map_or("–".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
                        r.server_idle_kib_per_conn
                            .map_or("–".into(), |k| format!("{k:.1} KiB")),
                        r.server_cpu_pct.map_or("–".into(), |c| format!("{c:.0}%")),
                        cpu_per_message(r).map_or("–".into(), |us| format!("{us:.1} µs")),
                        r.loader_cpu_pct.map_or("–".into(), |c| format!("{c:.0}%")),
                        failed,
                    );
                }
            }
        }
        println!(
            "\nRatios, same case (msgs/s: above 1 the first is faster; server CPU per message and resident set \
             per idle connection: below 1 the first uses less); – where a run is missing or had failures:\n"
        );
        println!(
            "| framing | case | msgs/s native / fastwebsockets | msgs/s native / tungstenite | \
             msgs/s component / native | msgs/s command / native | msgs/s p3 / native | \
             CPU/msg native / fastwebsockets | CPU/msg component / native | CPU/msg command / native | \
             CPU/msg p3 / native | idle RSS/conn native / fastwebsockets | idle RSS/conn component / native | \
             idle RSS/conn command / native | idle RSS/conn p3 / native |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for framing in &args.framings {
            for &case in &args.cases {
                let get = |s| find(rows, s, framing, case);
                let rate = |s| get(s).map(|r: &Report| r.msgs_per_sec);
                let cpu = |s| get(s).and_then(cpu_per_message);
                let rss = |s| get(s).and_then(|r: &Report| r.server_idle_kib_per_conn);
                println!(
                    "| {framing} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                    case_name(case),
                    ratio(rate(Server::Native), rate(Server::Fastwebsockets)),
                    ratio(rate(Server::Native), rate(Server::Tungstenite)),
                    ratio(rate(Server::Component), rate(Server::Native)),
                    ratio(rate(Server::CommandComponent), rate(Server::Native)),
                    ratio(rate(Server::P3Component), rate(Server::Native)),
                    ratio(cpu(Server::Native), cpu(Server::Fastwebsockets)),
                    ratio(cpu(Server::Component), cpu(Server::Native)),
                    ratio(cpu(Server::CommandComponent), cpu(Server::Native)),
                    ratio(cpu(Server::P3Component), cpu(Server::Native)),
                    ratio(rss(Server::Native), rss(Server::Fastwebsockets)),
                    ratio(rss(Server::Component), rss(Server::Native)),
                    ratio(rss(Server::CommandComponent), rss(Server::Native)),
                    ratio(rss(Server::P3Component), rss(Server::Native)),
                );
            }
        }
        let troubled: Vec<_> = rows
            .iter()
            .filter(|r| r.stderr_lines > 0 || r.result.as_ref().map_or(true, |r| !r.errors.is_empty()))
            .collect();
        if !troubled.is_empty() {
            println!("\nProblems:\n");
            for row in troubled {
                let what = format!("{} {} {}", row.server.key(), row.framing, case_name(row.case));
                match &row.result {
                    Ok(r) => {
                        for e in &r.errors {
                            println!("- {what}: load: {e}");
                        }
                    }
                    Err(e) => println!("- {what}: {e}"),
                }
                if row.stderr_lines > 0 {
                    println!(
                        "- {what}: the server wrote {} line(s) to stderr, first:",
                        row.stderr_lines
                    );
                    for line in &row.stderr {
                        println!("    {line}");
                    }
                }
            }
        }
    }
}
