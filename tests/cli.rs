//! `moe-clinic layer` from the outside: bad input exits non-zero with a one-line reason
//! (DESIGN.md, "Bad input"), and good input of every accepted form works.
#![cfg(not(target_arch = "wasm32"))]

use moe_clinic::moe::tensors::{Tensor, TensorFile, write_tensors};
use moe_clinic::moe::{Architecture, ExpertKind, LayerWeights, Style};
use moe_clinic::rng::Rng;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const D: usize = 6;

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("xdg")).unwrap();
        // Mesa's Vulkan loader complains on stderr without a runtime dir; give it one.
        #[cfg(unix)]
        std::os::unix::fs::PermissionsExt::set_mode(
            &mut std::fs::metadata(dir.join("xdg")).unwrap().permissions(),
            0o700,
        );
        let weights = LayerWeights::random(
            Architecture {
                d_model: D,
                d_ff: 8,
                num_experts: 4,
                expert_kind: ExpertKind::Swiglu,
                router_bias: false,
                shared_experts: 0,
            },
            3,
            1.0,
        );
        std::fs::write(dir.join("w.safetensors"), weights.to_safetensors(Style::Mixtral, "m.", "F32").unwrap())
            .unwrap();
        let x = Rng::new(1).normals(5 * D, 1.0);
        std::fs::write(dir.join("x.safetensors"), input(Tensor::f32(vec![5, D], &x))).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }

    fn write(&self, name: &str, bytes: Vec<u8>) -> String {
        std::fs::write(self.0.join(name), bytes).unwrap();
        self.path(name)
    }

    /// Runs `moe-clinic layer` with the standard files, then `extra` flags (later flags
    /// replace earlier ones of the same name).
    fn layer(&self, extra: &[&str]) -> Output {
        let mut args: Vec<String> =
            ["layer", "--style", "mixtral", "--prefix", "m.", "--top-k", "2", "--backend", "cpu"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        args.extend(["--weights".into(), self.path("w.safetensors")]);
        args.extend(["--input".into(), self.path("x.safetensors")]);
        args.extend(["--output".into(), self.path("y.safetensors")]);
        for pair in extra.chunks(2) {
            match args.iter().position(|a| a == pair[0]) {
                Some(i) if pair.len() == 2 && pair[0] != "--capacity" => args[i + 1] = pair[1].to_string(),
                _ => args.extend(pair.iter().map(|s| s.to_string())),
            }
        }
        Command::new(env!("CARGO_BIN_EXE_moe-clinic"))
            .args(&args)
            .env("XDG_RUNTIME_DIR", self.0.join("xdg"))
            .output()
            .expect("the binary runs")
    }
}

fn input(tensor: Tensor) -> Vec<u8> {
    write_tensors(&[("hidden_states".into(), tensor)], &[]).unwrap()
}

/// Asserts a failure with exactly one line on stderr that mentions every needle.
fn fails_with(output: Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should fail; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    for needle in needles {
        assert!(lines[0].contains(needle), "{:?} should mention {needle:?}", lines[0]);
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_configurations_fail_with_one_line() {
    let s = Scratch::new("config");
    fails_with(s.layer(&["--top-k", "5"]), &["k = 5", "E = 4"]);
    fails_with(s.layer(&["--top-k", "0"]), &["at least 1"]);
    fails_with(s.layer(&["--router", "token-choice", "--capacity", "0"]), &["capacity 0"]);
    fails_with(s.layer(&["--router", "token-choice", "--capacity-factor", "-1"]), &["positive"]);
    fails_with(s.layer(&["--router", "token-choice", "--capacity-factor", "NaN"]), &["positive"]);
    fails_with(s.layer(&["--router", "token-choice", "--capacity-factor", "lots"]), &["capacity-factor"]);
    fails_with(s.layer(&["--router", "token-choice", "--capacity", "2", "--capacity-factor", "1.0"]), &["capacity"]);
    fails_with(s.layer(&["--router", "mixtral", "--capacity", "2"]), &["dropless"]);
    fails_with(s.layer(&["--router", "expert-choice"]), &["needs a capacity"]);
    fails_with(s.layer(&["--router", "top-k"]), &["top-k"]);
    fails_with(s.layer(&["--router", "switch"]), &["k must be 1"]);
    fails_with(s.layer(&["--noise", "inf"]), &["noise"]);
    fails_with(s.layer(&["--noise", "-0.5"]), &["noise scale"]);
    // Finite but absurd: 3.4e38 turned every logit into NaN and still exited 0.
    fails_with(s.layer(&["--noise", "3.4e38"]), &["noise scale", "from 0 to 10"]);
    // 1e-30 gave capacity 0, which `--capacity 0` is refused for.
    fails_with(s.layer(&["--router", "token-choice", "--capacity-factor", "1e-30"]), &["capacity factor", "0.01"]);
    // A missing flag is named.
    let output = Command::new(env!("CARGO_BIN_EXE_moe-clinic")).args(["layer", "--style", "mixtral"]).output().unwrap();
    fails_with(output, &["--weights", "--input", "--output"]);
}

/// Sizes the data cannot back, and work no limit bounded: each refused at once, naming
/// its limit, instead of hanging, aborting or allocating gigabytes.
#[test]
fn work_and_memory_are_bounded_before_anything_runs() {
    let s = Scratch::new("limits");
    // 104 bytes: a [2^40, 0, 6] tensor with no data once meant 2^40 empty forwards.
    let header = br#"{"hidden_states":{"dtype":"F32","shape":[1099511627776,0,6],"data_offsets":[0,0]}}"#;
    let mut hang = (header.len() as u64).to_le_bytes().to_vec();
    hang.extend_from_slice(header);
    let hang = s.write("hang.safetensors", hang);
    fails_with(s.layer(&["--input", &hang]), &["1099511627776 sequences", "MAX_SEQUENCES"]);

    // Dense routing over 256 experts of width 1: 2 MB of input once asked for 1 GB.
    let wide = LayerWeights::random(
        Architecture {
            d_model: 1,
            d_ff: 1,
            num_experts: 256,
            expert_kind: ExpertKind::Swiglu,
            router_bias: false,
            shared_experts: 0,
        },
        5,
        1.0,
    );
    let weights = s.write("wide.safetensors", wide.to_safetensors(Style::Mixtral, "m.", "F32").unwrap());
    let x = s.write("long.safetensors", input(Tensor::f32(vec![500_000, 1], &vec![0.25; 500_000])));
    let out = s.layer(&["--weights", &weights, "--input", &x, "--router", "dense", "--top-k", "256"]);
    fails_with(out, &["MAX_FORWARD_BYTES"]);

    let bench = Command::new(env!("CARGO_BIN_EXE_moe-clinic"))
        .args(["bench", "--backend", "cpu", "--tokens", "100000000"])
        .env("XDG_RUNTIME_DIR", s.0.join("xdg"))
        .output()
        .unwrap();
    assert!(!bench.status.success());
    assert!(String::from_utf8_lossy(&bench.stderr).contains("MAX_FORWARD_TOKENS"), "{bench:?}");
}

#[test]
fn bad_weights_fail_with_one_line_naming_the_tensor() {
    let s = Scratch::new("weights");
    fails_with(s.layer(&["--prefix", ""]), &["`gate.weight`", "`m.`"]);
    fails_with(s.layer(&["--style", "switch"]), &["router.classifier.weight"]);
    fails_with(s.layer(&["--weights", &s.path("absent.safetensors")]), &["cannot read", "absent.safetensors"]);
    let garbage = s.write("garbage.safetensors", b"\x08\x00\x00\x00\x00\x00\x00\x00{}garbage".to_vec());
    fails_with(s.layer(&["--weights", &garbage]), &["safetensors"]);
    let index =
        s.write("model.safetensors.index.json", br#"{"weight_map": {"m.gate.weight": "a.safetensors"}}"#.to_vec());
    fails_with(s.layer(&["--weights", &index]), &["sharded"]);

    // Rewrite the weights with one tensor broken in each way.
    let bytes = std::fs::read(s.path("w.safetensors")).unwrap();
    let file = TensorFile::parse(&bytes).unwrap();
    let rewrite = |broken: &str, make: &dyn Fn(Vec<usize>, Vec<f32>) -> Tensor| {
        let tensors: Vec<(String, Tensor)> = file
            .names()
            .into_iter()
            .map(|n| {
                let (shape, values) = file.read_f32(n).unwrap();
                let t = if n == broken { make(shape, values) } else { Tensor::f32(shape, &values) };
                (n.to_string(), t)
            })
            .collect();
        write_tensors(&tensors, &[]).unwrap()
    };
    let nan = s.write(
        "nan.safetensors",
        rewrite("m.experts.1.w2.weight", &|shape, mut v| {
            v[3] = f32::NAN;
            Tensor::f32(shape, &v)
        }),
    );
    fails_with(s.layer(&["--weights", &nan]), &["m.experts.1.w2.weight", "NaN"]);
    let shape = s.write(
        "shape.safetensors",
        rewrite("m.experts.2.w3.weight", &|shape, v| Tensor::f32(vec![shape[1], shape[0]], &v)),
    );
    fails_with(s.layer(&["--weights", &shape]), &["m.experts.2.w3.weight", "shape"]);
    let dtype = s.write(
        "dtype.safetensors",
        rewrite("m.gate.weight", &|shape, v| Tensor::i32(shape, &v.iter().map(|x| *x as i32).collect::<Vec<_>>())),
    );
    fails_with(s.layer(&["--weights", &dtype]), &["m.gate.weight", "I32"]);
}

#[test]
fn bad_inputs_fail_with_one_line() {
    let s = Scratch::new("inputs");
    let mut x = vec![0.5; 3 * D];
    x[7] = f32::INFINITY;
    let inf = s.write("inf.safetensors", input(Tensor::f32(vec![3, D], &x)));
    fails_with(s.layer(&["--input", &inf]), &["hidden_states", "inf", "element 7"]);
    let wide = s.write("wide.safetensors", input(Tensor::f32(vec![2, D + 1], &[0.0; 2 * (D + 1)])));
    fails_with(s.layer(&["--input", &wide]), &["hidden_states", "shape"]);
    let other =
        s.write("other.safetensors", write_tensors(&[("x".into(), Tensor::f32(vec![1, D], &[0.0; D]))], &[]).unwrap());
    // The file named is the input, not "the weights".
    fails_with(s.layer(&["--input", &other]), &["other.safetensors", "no tensor `hidden_states` in this file"]);
    let huge = s.write("huge.safetensors", input(Tensor::f32(vec![1, D], &[3e38; D])));
    fails_with(s.layer(&["--input", &huge]), &["router logit", "inf"]);
    // A wrong width names the shapes the layer takes, with no placeholder 0 in them.
    let output = s.layer(&["--input", &wide]);
    fails_with(output.clone(), &["[2, 7]", "[tokens, 6] or [sequences, tokens, 6]"]);
    assert!(!String::from_utf8_lossy(&output.stderr).contains("[0, 6]"));
    fails_with(s.layer(&["--output", "/nonexistent-dir/y.safetensors"]), &["cannot write"]);
}

#[test]
fn gpu_without_adapter_is_an_error_never_a_fallback() {
    let s = Scratch::new("no-adapter");
    let run = |backend: &str| {
        Command::new(env!("CARGO_BIN_EXE_moe-clinic"))
            .args(["layer", "--style", "mixtral", "--prefix", "m.", "--top-k", "2", "--backend", backend])
            .args([
                "--weights",
                &s.path("w.safetensors"),
                "--input",
                &s.path("x.safetensors"),
                "--output",
                &s.path("y.safetensors"),
            ])
            // No Vulkan driver: hides lavapipe or any GPU.
            .env("VK_ICD_FILENAMES", "/nonexistent.json")
            .env("VK_DRIVER_FILES", "/nonexistent.json")
            .env("XDG_RUNTIME_DIR", s.0.join("xdg"))
            .output()
            .unwrap()
    };
    fails_with(run("gpu"), &["no GPU adapter"]);
    let auto = run("auto");
    assert!(auto.status.success(), "{}", String::from_utf8_lossy(&auto.stderr));
    assert!(
        String::from_utf8_lossy(&auto.stderr).contains("ran on the CPU: no GPU adapter"),
        "auto says why it ran on the CPU"
    );
}

#[test]
fn accepts_half_precision_and_batched_sequences() {
    let s = Scratch::new("forms");
    let x = Rng::new(4).normals(2 * 5 * D, 1.0);
    // Two sequences of 5: capacity is per sequence, so each row equals its own run.
    let batched = s.write("b.safetensors", input(Tensor::f32(vec![2, 5, D], &x)));
    let out = s.layer(&["--input", &batched, "--router", "token-choice", "--capacity", "2"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let all = std::fs::read(s.path("y.safetensors")).unwrap();
    let all = TensorFile::parse(&all).unwrap();
    let (shape, index) = all.read_i32("expert_index").unwrap();
    assert_eq!(shape, [2, 5, 2]);
    for b in 0..2 {
        let one = s.write("one.safetensors", input(Tensor::f32(vec![5, D], &x[b * 5 * D..(b + 1) * 5 * D])));
        let out = s.layer(&[
            "--input",
            &one,
            "--router",
            "token-choice",
            "--capacity",
            "2",
            "--output",
            &s.path("one-out.safetensors"),
        ]);
        assert!(out.status.success());
        let bytes = std::fs::read(s.path("one-out.safetensors")).unwrap();
        let (_, single) = TensorFile::parse(&bytes).unwrap().read_i32("expert_index").unwrap();
        assert_eq!(&index[b * 10..(b + 1) * 10], &single[..], "sequence {b}");
    }
    // F16 and BF16 inputs are read as the values they hold: the same output, bit for bit,
    // as an F32 input holding those (rounded) values.
    let x = &x[..5 * D];
    let to_f16 = |v: &f32| half::f16::from_f32(*v).to_f32();
    let to_bf16 = |v: &f32| half::bf16::from_f32(*v).to_f32();
    let outputs = |name: &str, tensor: Tensor| {
        let path = s.write(name, input(tensor));
        let out = s.layer(&["--input", &path, "--output", &s.path("half-out.safetensors")]);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let bytes = std::fs::read(s.path("half-out.safetensors")).unwrap();
        TensorFile::parse(&bytes).unwrap().read_f32("hidden_states").unwrap().1
    };
    for (half_name, half, rounded) in [
        ("h.safetensors", Tensor::f16(vec![5, D], x), x.iter().map(to_f16).collect::<Vec<f32>>()),
        ("bf.safetensors", Tensor::bf16(vec![5, D], x), x.iter().map(to_bf16).collect()),
    ] {
        assert_ne!(rounded, x, "{half_name}: the rounding must change some values, or this proves nothing");
        let from_half = outputs(half_name, half);
        let from_f32 = outputs("rounded.safetensors", Tensor::f32(vec![5, D], &rounded));
        assert_eq!(from_half, from_f32, "{half_name}");
    }
    // An empty sequence is no error.
    let empty = s.write("empty.safetensors", input(Tensor::f32(vec![0, D], &[])));
    let out = s.layer(&["--input", &empty]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `moe-clinic route` with the shipped models: sensible diagnoses in both languages, the
/// JSON the issue asks for, and clear errors.
#[test]
fn route_diagnoses_in_both_languages() {
    let s = Scratch::new("route");
    let route = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_moe-clinic"))
            .arg("route")
            .args(["--backend", "cpu"])
            .args(args)
            .env("XDG_RUNTIME_DIR", s.0.join("xdg"))
            .output()
            .unwrap()
    };
    let cases = [
        ("My heart races and I feel pressure in my chest when I walk uphill.", "cardiology"),
        ("Since last week I have had a throbbing headache and my hand keeps going numb.", "neurology"),
        ("Our 2-year-old has a high fever and keeps pulling at his ear.", "pediatrics"),
        ("There is an itchy red patch spreading on my forearm.", "dermatology"),
        ("Meu coração dispara e sinto um aperto no peito quando subo a ladeira.", "cardiology"),
        ("Faz uma semana que tenho dor de cabeça latejante e a mão formigando.", "neurology"),
        ("Meu filho de 2 anos está com febre alta e puxando a orelha.", "pediatrics"),
        ("Apareceu uma mancha vermelha que coça no meu antebraço.", "dermatology"),
    ];
    for model in ["mixtral-8", "switch-4", "shared-gp"] {
        let mut correct = 0;
        for (text, label) in cases {
            let out = route(&["--model", model, text]);
            assert!(out.status.success(), "{model}: {}", String::from_utf8_lossy(&out.stderr));
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let tokens = json["tokens"].as_array().unwrap();
            assert!(tokens.len() > 5);
            let slots = tokens[0]["experts"].as_array().unwrap().len();
            assert!(
                tokens.iter().all(|t| t["experts"].as_array().unwrap().len() == slots
                    && t["weights"].as_array().unwrap().len() == slots)
            );
            let joined: String = tokens.iter().map(|t| t["text"].as_str().unwrap()).collect();
            assert_eq!(joined.to_lowercase(), text.to_lowercase(), "tokens cover the text");
            let probs = json["diagnosis"]["probs"].as_object().unwrap();
            assert!((probs.values().map(|p| p.as_f64().unwrap()).sum::<f64>() - 1.0).abs() < 1e-5);
            correct += usize::from(json["diagnosis"]["label"] == label);
            assert!(
                json["metrics"]["flops_active_per_token"].as_u64().unwrap()
                    < json["metrics"]["flops_dense_per_token"].as_u64().unwrap()
            );
            assert_eq!(json["backend"]["kind"], "cpu");
        }
        assert!(correct >= 7, "{model}: {correct} of 8 sensible diagnoses");
    }
    let empty = route(&[""]);
    assert!(empty.status.success());
    let json: serde_json::Value = serde_json::from_slice(&empty.stdout).unwrap();
    assert_eq!((json["tokens"].as_array().unwrap().len(), &json["diagnosis"]), (0, &serde_json::Value::Null));
    fails_with(route(&[&"dor ".repeat(600)]), &["2400 characters", "2000"]);
    fails_with(route(&["--model", "oracle", "hi"]), &["oracle.safetensors"]);
    // A tokenizer file that is not text: the error names it.
    s.write("mixtral-8.safetensors", Vec::new());
    let tokenizer = s.write("tokenizer.json", b"{\"version\": \"1.0\xff\"}".to_vec());
    fails_with(route(&["--models", &s.path(""), "hi"]), &[&tokenizer, "UTF-8"]);
    fails_with(route(&["--router", "expert-choice", "--capacity-factor", "0", "hi"]), &["positive"]);
    // The network object: every number recomputed here from the tokens' experts, by
    // DESIGN.md's definitions (home floor(t D / T), contiguous placement floor(e D / E)).
    let out = route(&["--devices", "4", "--link", "ethernet-100g", "My chest hurts when I climb the stairs"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let network = &json["network"];
    let tokens = json["tokens"].as_array().unwrap();
    let (t_count, d_count, e_count) = (tokens.len(), 4, 8);
    let mut traffic = vec![vec![0u64; d_count]; d_count];
    for (t, token) in tokens.iter().enumerate() {
        for e in token["experts"].as_array().unwrap().iter().filter_map(|e| e.as_i64()).filter(|&e| e >= 0) {
            traffic[t * d_count / t_count][e as usize * d_count / e_count] += 1;
        }
    }
    assert_eq!(network["traffic"], serde_json::json!(traffic));
    let crossing: u64 = (0..d_count)
        .flat_map(|i| (0..d_count).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| traffic[i][j])
        .sum();
    assert_eq!(network["crossing_slots"], crossing);
    assert!(crossing > 0);
    assert_eq!(network["bytes"]["total"], 2 * crossing * 2 * card_d_model());
    let time = &network["time_s"];
    assert!(time["dispatch"].as_f64().unwrap() > time["compute"].as_f64().unwrap(), "Ethernet dominates: {time}");
    fails_with(route(&["--devices", "9", "hi"]), &["1 to E = 8"]);
    fails_with(route(&["--devices", "0", "hi"]), &["D = 0"]);
    fails_with(route(&["--devices", "2", "--link", "smoke-signals", "hi"]), &["--link"]);
    // A model file by path (as the page downloads one): the same routing as by name.
    let by_path = route(&[
        "--model",
        concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/switch-4.safetensors"),
        "Coceira no braço",
    ]);
    let by_name = route(&["--model", "switch-4", "Coceira no braço"]);
    assert!(by_path.status.success(), "{}", String::from_utf8_lossy(&by_path.stderr));
    let experts = |out: &std::process::Output| {
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["tokens"].as_array().unwrap().iter().map(|t| t["experts"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(experts(&by_path), experts(&by_name));
    fails_with(
        route(&["--model", "/nonexistent/model.safetensors", "hi"]),
        &["cannot read", "/nonexistent/model.safetensors"],
    );
    // Once printed null probabilities and a diagnosis computed from NaN, with exit 0.
    fails_with(route(&["--noise", "3e38", "My chest hurts"]), &["noise scale"]);
}

/// The shipped mixtral-8's width, from its card: what the network prices by default.
fn card_d_model() -> u64 {
    let card = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/models/mixtral-8.json")).unwrap();
    let card: serde_json::Value = serde_json::from_str(&card).unwrap();
    card["config"]["moe"]["d_model"].as_u64().unwrap()
}

/// `layer --devices`: the network object on stderr, or in the file `--network-json` names,
/// over all sequences of the input as one batch.
#[test]
fn layer_prices_the_network() {
    let s = Scratch::new("network");
    let path = s.path("network.json");
    let out = s.layer(&["--devices", "2", "--placement", "round-robin", "--network-json", &path]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let network = &json["network"];
    assert_eq!(network["devices"], 2);
    assert_eq!(network["expert_device"], serde_json::json!([0, 1, 0, 1]));
    // 5 tokens, top-2, dropless: 10 seated slots, all counted in the traffic.
    let traffic: u64 = network["traffic"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!((traffic, network["seated_slots"].as_u64().unwrap()), (10, 10));
    let out = s.layer(&["--devices", "2"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"crossing_slots\""), "printed to stderr");
    fails_with(s.layer(&["--devices", "5"]), &["1 to E = 4"]);
}
