//! The clinic network: the experts of a layer spread over D devices (expert parallelism),
//! and what moving the tokens to them costs, computed from a routing that really happened
//! (DESIGN.md, "The clinic network"). Nothing here is scripted: the traffic is counted from
//! the trace's `expert_index`, and the time is the traffic and the work over published
//! link and device figures (their sources are in the README).
//!
//! - Token t starts on its home device floor(t * D / T): the batch split in D shards.
//! - Expert e lives on floor(e * D / E) (`contiguous`, as Megatron and DeepSpeed place
//!   them) or e mod D (`round-robin`). Shared experts are copied on every device.
//! - Every seated slot (t, e) is one message of d values from home(t) to device(e) in the
//!   dispatch all-to-all and one back in the combine all-to-all; a dropped slot moves
//!   nothing, and neither does a shared expert.
//! - Time = the slowest device's expert compute + two all-to-all phases, each the link's
//!   latency plus the most bytes any one device sends or receives, over its bandwidth.

use super::config::{Architecture, ExpertKind};
use super::error::{MoeError, Result};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Where each expert lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Expert e on device floor(e * D / E): neighbours share a device.
    Contiguous,
    /// Expert e on device e mod D.
    RoundRobin,
}

impl Placement {
    pub const ALL: [Placement; 2] = [Placement::Contiguous, Placement::RoundRobin];

    pub fn name(self) -> &'static str {
        match self {
            Placement::Contiguous => "contiguous",
            Placement::RoundRobin => "round-robin",
        }
    }

    /// The device of expert `e` of `experts`, over `devices` devices.
    pub fn device_of(self, e: usize, experts: usize, devices: usize) -> usize {
        match self {
            Placement::Contiguous => e * devices / experts,
            Placement::RoundRobin => e % devices,
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Placement {
    type Err = MoeError;
    fn from_str(s: &str) -> Result<Self> {
        Placement::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| MoeError::Config(format!("unknown placement `{s}`; expected contiguous or round-robin")))
    }
}

/// A link between devices: bandwidth per device and direction, and the latency of one
/// all-to-all phase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Link {
    pub name: &'static str,
    pub label: &'static str,
    /// Bytes per second one device can send (and, at the same time, receive); `None` for
    /// no link at all (one device).
    pub bytes_per_s: Option<f64>,
    /// Seconds one all-to-all phase takes before any byte arrives.
    pub latency_s: f64,
}

/// A device's expert throughput.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Device {
    pub name: &'static str,
    pub label: &'static str,
    /// Dense FLOP/s (2 per multiply-add) at the precision of `bytes_per_value`.
    pub flops_per_s: f64,
}

/// The sizes a routing is priced at: the clinic model's own, or a published model's d and
/// d_ff with the clinic model's routing.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sizes {
    pub name: &'static str,
    pub label: &'static str,
    /// `None`: the clinic model's own.
    pub d_model: Option<usize>,
    pub d_ff: Option<usize>,
    pub expert_kind: Option<ExpertKind>,
}

/// Links, with the figures the README cites. Bandwidth is per device and direction.
pub const LINKS: [Link; 5] = [
    Link { name: "none", label: "one device (no link)", bytes_per_s: None, latency_s: 0.0 },
    // H100 SXM: 18 NVLink 4 links, 900 GB/s in both directions together.
    Link { name: "nvlink4", label: "NVLink 4 (H100 SXM)", bytes_per_s: Some(450e9), latency_s: 3e-6 },
    // 32 GT/s x 16 lanes with 128b/130b coding: about 63 GB/s each way.
    Link { name: "pcie5", label: "PCIe 5.0 x16", bytes_per_s: Some(63e9), latency_s: 5e-6 },
    // 400 Gb/s per port.
    Link { name: "infiniband-ndr", label: "InfiniBand NDR (400 Gb/s)", bytes_per_s: Some(50e9), latency_s: 5e-6 },
    Link { name: "ethernet-100g", label: "100 Gb Ethernet", bytes_per_s: Some(12.5e9), latency_s: 20e-6 },
];

/// Devices, with the figures the README cites: A100 and H100 at their dense BF16
/// tensor-core throughput; the laptop at its CUDA-core rate, a conservative figure.
pub const DEVICES: [Device; 3] = [
    // RTX 4060 Laptop GPU: 3,072 CUDA cores x 2 x 2.37 GHz boost. Its tensor cores are
    // faster, but no dense BF16 figure for them is in NVIDIA's specifications.
    Device { name: "laptop", label: "a laptop GPU (RTX 4060 Laptop)", flops_per_s: 14.6e12 },
    Device { name: "a100", label: "NVIDIA A100 SXM", flops_per_s: 312e12 },
    Device { name: "h100", label: "NVIDIA H100 SXM", flops_per_s: 989e12 },
];

/// Sizes of published models (their config files), priced with the clinic's routing.
pub const SIZES: [Sizes; 4] = [
    Sizes { name: "clinic", label: "the clinic model's own", d_model: None, d_ff: None, expert_kind: None },
    Sizes {
        name: "mixtral-8x7b",
        label: "Mixtral 8x7B (d 4096, d_ff 14336, SwiGLU)",
        d_model: Some(4096),
        d_ff: Some(14336),
        expert_kind: Some(ExpertKind::Swiglu),
    },
    Sizes {
        name: "switch-base",
        label: "Switch-Base (d 768, d_ff 3072, ReLU)",
        d_model: Some(768),
        d_ff: Some(3072),
        expert_kind: Some(ExpertKind::Relu),
    },
    Sizes {
        name: "deepseek-v3",
        label: "DeepSeek-V3 (d 7168, expert d_ff 2048, SwiGLU)",
        d_model: Some(7168),
        d_ff: Some(2048),
        expert_kind: Some(ExpertKind::Swiglu),
    },
];

fn preset<T: Copy>(all: &[T], name: &str, key: fn(&T) -> &'static str, what: &str) -> Result<T> {
    all.iter().copied().find(|p| key(p) == name).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(key).collect();
        MoeError::Config(format!("unknown {what} `{name}`; expected one of: {}", names.join(", ")))
    })
}

/// What to price: how many devices, where the experts live, and the presets.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkOptions {
    pub devices: usize,
    pub placement: Placement,
    pub link: Link,
    pub device: Device,
    pub sizes: Sizes,
    /// 2 for bf16 activations.
    pub bytes_per_value: usize,
}

impl NetworkOptions {
    /// Options from names (the CLI's flags, the page's menus); `None` takes the default:
    /// contiguous, NVLink 4, H100, the clinic's own sizes, bf16.
    pub fn from_names(
        devices: usize,
        placement: Option<&str>,
        link: Option<&str>,
        device: Option<&str>,
        sizes: Option<&str>,
    ) -> Result<Self> {
        Ok(NetworkOptions {
            devices,
            placement: placement.map_or(Ok(Placement::Contiguous), str::parse)?,
            link: preset(&LINKS, link.unwrap_or("nvlink4"), |l| l.name, "link")?,
            device: preset(&DEVICES, device.unwrap_or("h100"), |d| d.name, "device")?,
            sizes: preset(&SIZES, sizes.unwrap_or("clinic"), |s| s.name, "sizes")?,
            bytes_per_value: 2,
        })
    }
}

/// Bytes each all-to-all phase moves across devices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bytes {
    pub dispatch: u64,
    pub combine: u64,
    pub total: u64,
}

/// The layer's time split, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TimeSplit {
    pub compute: f64,
    pub dispatch: f64,
    pub combine: f64,
    pub total: f64,
}

/// The network object of `moe-clinic route --devices`, the page's "Hospitals" view and
/// `window.moeClinic.network`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Network {
    pub devices: usize,
    pub placement: Placement,
    /// Each token's home device.
    pub home: Vec<usize>,
    /// Each routed expert's device.
    pub expert_device: Vec<usize>,
    /// `traffic[i][j]`: seated slots from home device i to expert device j.
    pub traffic: Vec<Vec<u64>>,
    pub seated_slots: u64,
    /// Slots whose expert lives on another device than the token.
    pub crossing_slots: u64,
    /// crossing / seated (0 when nothing is seated).
    pub crossing_share: f64,
    /// What uniform routing would give: 1 - 1/D.
    pub uniform_crossing_share: f64,
    pub bytes_per_value: usize,
    /// The width priced (the clinic's d_model, or the chosen model's).
    pub d_model: usize,
    pub d_ff: usize,
    pub bytes: Bytes,
    /// Seated slots each device's experts serve.
    pub device_slots: Vec<u64>,
    /// FLOPs each device computes: its experts' seated slots, plus router and shared
    /// experts for its home tokens.
    pub device_flops: Vec<u64>,
    /// The busiest device's FLOPs over the mean (1 when balanced): the straggler.
    pub slowest_over_mean: f64,
    pub time_s: TimeSplit,
    pub link: Link,
    pub device: Device,
    pub sizes: Sizes,
}

/// The routing a network is priced from: `expert_index` is `[tokens, slots]` of the routed
/// experts that served each token (-1 where dropped or empty), as in a trace.
#[derive(Clone, Copy, Debug)]
pub struct RoutedSlots<'a> {
    pub expert_index: &'a [i32],
    pub tokens: usize,
    pub slots: usize,
}

/// Prices the routing on `options.devices` devices.
pub fn price(arch: &Architecture, routed: RoutedSlots, options: &NetworkOptions) -> Result<Network> {
    let (e, d_count) = (arch.num_experts, options.devices);
    if d_count == 0 {
        return Err(MoeError::Config("the network needs at least one device (D = 0)".into()));
    }
    if d_count > e {
        return Err(MoeError::Config(format!(
            "{d_count} devices for {e} experts would leave devices without an expert; D must be 1 to E = {e}"
        )));
    }
    let Some(bandwidth) = options.link.bytes_per_s.or((d_count == 1).then_some(f64::INFINITY)) else {
        return Err(MoeError::Config(format!(
            "the `{}` link is for one device; pick a link for {d_count} devices",
            options.link.name
        )));
    };
    if routed.expert_index.len() != routed.tokens * routed.slots {
        return Err(MoeError::Input(format!(
            "expert_index holds {} values; {} tokens x {} slots needs {}",
            routed.expert_index.len(),
            routed.tokens,
            routed.slots,
            routed.tokens * routed.slots
        )));
    }
    let t_count = routed.tokens;
    let home: Vec<usize> = (0..t_count).map(|t| t * d_count / t_count).collect();
    let expert_device: Vec<usize> = (0..e).map(|x| options.placement.device_of(x, e, d_count)).collect();
    let mut traffic = vec![vec![0u64; d_count]; d_count];
    let mut expert_slots = vec![0u64; e];
    for t in 0..t_count {
        for &x in &routed.expert_index[t * routed.slots..(t + 1) * routed.slots] {
            if x < 0 {
                continue;
            }
            let x = usize::try_from(x).ok().filter(|&x| x < e).ok_or_else(|| {
                MoeError::Input(format!("expert_index holds {x}, which is not an expert of this layer (E = {e})"))
            })?;
            traffic[home[t]][expert_device[x]] += 1;
            expert_slots[x] += 1;
        }
    }
    let seated: u64 = expert_slots.iter().sum();
    let crossing: u64 = (0..d_count)
        .flat_map(|i| (0..d_count).map(move |j| (i, j)))
        .filter(|(i, j)| i != j)
        .map(|(i, j)| traffic[i][j])
        .sum();

    let d_model = options.sizes.d_model.unwrap_or(arch.d_model);
    let d_ff = options.sizes.d_ff.unwrap_or(arch.d_ff);
    let kind = options.sizes.expert_kind.unwrap_or(arch.expert_kind);
    let message = (d_model * options.bytes_per_value) as u64;
    // 2 FLOPs per multiply-add, every weight used once per token.
    let expert_flops = 2 * kind.matrices() as u64 * d_model as u64 * d_ff as u64;
    let router_flops = 2 * d_model as u64 * e as u64;
    let mut device_slots = vec![0u64; d_count];
    let mut device_flops = vec![0u64; d_count];
    for x in 0..e {
        device_slots[expert_device[x]] += expert_slots[x];
        device_flops[expert_device[x]] += expert_slots[x] * expert_flops;
    }
    for &h in &home {
        device_flops[h] += router_flops + arch.shared_experts as u64 * expert_flops;
    }
    let mean = device_flops.iter().sum::<u64>() as f64 / d_count as f64;
    let slowest = *device_flops.iter().max().unwrap_or(&0);

    // Each phase ends when the busiest sender or receiver is done.
    let sent = |i: usize| (0..d_count).filter(|&j| j != i).map(|j| traffic[i][j]).sum::<u64>();
    let received = |j: usize| (0..d_count).filter(|&i| i != j).map(|i| traffic[i][j]).sum::<u64>();
    let busiest = (0..d_count).map(|i| sent(i).max(received(i))).max().unwrap_or(0);
    // On several devices the all-to-all runs (and pays its latency) even where no slot
    // happens to cross; on one there is none.
    let phase = if d_count == 1 { 0.0 } else { options.link.latency_s + (busiest * message) as f64 / bandwidth };
    let compute = slowest as f64 / options.device.flops_per_s;
    Ok(Network {
        devices: d_count,
        placement: options.placement,
        home,
        expert_device,
        traffic,
        seated_slots: seated,
        crossing_slots: crossing,
        crossing_share: if seated == 0 { 0.0 } else { crossing as f64 / seated as f64 },
        uniform_crossing_share: 1.0 - 1.0 / d_count as f64,
        bytes_per_value: options.bytes_per_value,
        d_model,
        d_ff,
        bytes: Bytes { dispatch: crossing * message, combine: crossing * message, total: 2 * crossing * message },
        device_slots,
        device_flops,
        slowest_over_mean: if mean > 0.0 { slowest as f64 / mean } else { 1.0 },
        time_s: TimeSplit { compute, dispatch: phase, combine: phase, total: compute + 2.0 * phase },
        link: options.link,
        device: options.device,
        sizes: options.sizes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(e: usize, shared: usize) -> Architecture {
        Architecture {
            d_model: 8,
            d_ff: 16,
            num_experts: e,
            expert_kind: ExpertKind::Relu,
            router_bias: false,
            shared_experts: shared,
        }
    }

    fn options(devices: usize, placement: Placement) -> NetworkOptions {
        NetworkOptions { placement, ..NetworkOptions::from_names(devices, None, None, None, None).unwrap() }
    }

    #[test]
    fn hand_worked_two_devices() {
        // 4 tokens, E = 4, top-1; tokens 0-1 live on device 0, 2-3 on device 1. Contiguous:
        // experts 0-1 on device 0, 2-3 on device 1.
        let index = [0, 3, 2, -1];
        let routed = RoutedSlots { expert_index: &index, tokens: 4, slots: 1 };
        let n = price(&arch(4, 0), routed, &options(2, Placement::Contiguous)).unwrap();
        assert_eq!(n.home, [0, 0, 1, 1]);
        assert_eq!(n.expert_device, [0, 0, 1, 1]);
        // Token 0 stays; token 1 goes to device 1; token 2 stays; token 3 was dropped.
        assert_eq!(n.traffic, [[1, 1], [0, 1]]);
        assert_eq!((n.seated_slots, n.crossing_slots), (3, 1));
        assert!((n.crossing_share - 1.0 / 3.0).abs() < 1e-12);
        // bf16 messages of d = 8 values, there and back.
        assert_eq!(n.bytes, Bytes { dispatch: 16, combine: 16, total: 32 });
        assert_eq!(n.device_slots, [1, 2]);
        // ReLU expert: 2 matrices of 8 x 16, 2 FLOPs per multiply-add = 512 per slot; the
        // router (8 x 4) costs 64 per home token.
        assert_eq!(n.device_flops, [512 + 2 * 64, 2 * 512 + 2 * 64]);
        let link = n.link;
        assert!((n.time_s.dispatch - (link.latency_s + 16.0 / link.bytes_per_s.unwrap())).abs() < 1e-15);
        assert!((n.time_s.total - (n.time_s.compute + 2.0 * n.time_s.dispatch)).abs() < 1e-15);
        // Round-robin puts experts 0 and 2 on device 0: token 1 (expert 3) still crosses,
        // token 0 (expert 0) stays, token 2 (expert 2) now crosses.
        let rr = price(&arch(4, 0), routed, &options(2, Placement::RoundRobin)).unwrap();
        assert_eq!(rr.expert_device, [0, 1, 0, 1]);
        assert_eq!(rr.traffic, [[1, 1], [1, 0]]);
    }

    #[test]
    fn each_phase_waits_for_the_busiest_device_and_compute_for_the_slowest() {
        // 4 tokens, E = 4, top-1, contiguous on 2 devices: tokens 0 and 1 (device 0) go to
        // experts 2 and 3 (device 1); token 2 (device 1) to expert 0 (device 0); token 3
        // stays. Three slots cross, but the busiest device sends or receives only two.
        let index = [2, 3, 0, 2];
        let routed = RoutedSlots { expert_index: &index, tokens: 4, slots: 1 };
        let n = price(&arch(4, 0), routed, &options(2, Placement::Contiguous)).unwrap();
        assert_eq!(n.traffic, [[0, 2], [1, 1]]);
        assert_eq!(n.crossing_slots, 3);
        assert_eq!(n.bytes.dispatch, 3 * 16, "every crossing slot counts in the bytes");
        let (link, device) = (n.link, n.device);
        let phase = link.latency_s + (2 * 16) as f64 / link.bytes_per_s.unwrap();
        assert!((n.time_s.dispatch - phase).abs() < 1e-15 && (n.time_s.combine - phase).abs() < 1e-15);
        // Device 1 serves three slots (512 FLOPs each) plus the router for its two tokens.
        assert_eq!(n.device_flops, [512 + 2 * 64, 3 * 512 + 2 * 64]);
        assert!((n.time_s.compute - (3 * 512 + 2 * 64) as f64 / device.flops_per_s).abs() < 1e-24);
        assert!((n.slowest_over_mean - 1664.0 / 1152.0).abs() < 1e-12);
        // Nothing crosses (each token's expert is at home): the all-to-all still starts.
        let home_only = [0, 1, 2, 3];
        let routed = RoutedSlots { expert_index: &home_only, tokens: 4, slots: 1 };
        let n = price(&arch(4, 0), routed, &options(2, Placement::Contiguous)).unwrap();
        assert_eq!((n.crossing_slots, n.bytes.total), (0, 0));
        assert_eq!(n.time_s.dispatch, link.latency_s);
    }

    #[test]
    fn one_device_moves_nothing() {
        let index = [0, 1, 2, 3, 1, 0];
        let n = price(
            &arch(4, 1),
            RoutedSlots { expert_index: &index, tokens: 3, slots: 2 },
            &options(1, Placement::Contiguous),
        )
        .unwrap();
        assert_eq!((n.crossing_slots, n.bytes.total), (0, 0));
        assert_eq!((n.time_s.dispatch, n.time_s.combine), (0.0, 0.0));
        assert_eq!(n.uniform_crossing_share, 0.0);
    }

    #[test]
    fn uniform_routing_crosses_one_minus_one_over_d() {
        let (e, tokens, k) = (8, 4096, 2);
        let mut rng = crate::rng::Rng::new(7);
        let index: Vec<i32> = (0..tokens)
            .flat_map(|_| {
                let a = rng.below(e);
                let b = (a + 1 + rng.below(e - 1)) % e;
                [a as i32, b as i32]
            })
            .collect();
        for devices in [2, 4, 8] {
            for placement in Placement::ALL {
                let routed = RoutedSlots { expert_index: &index, tokens, slots: k };
                let n = price(&arch(e, 0), routed, &options(devices, placement)).unwrap();
                let expected = 1.0 - 1.0 / devices as f64;
                assert!((n.crossing_share - expected).abs() < 0.02, "D = {devices} {placement}: {}", n.crossing_share);
                assert!(n.slowest_over_mean < 1.1, "uniform routing has no straggler");
            }
        }
    }

    #[test]
    fn dropped_and_shared_move_nothing_and_bad_values_are_errors() {
        let all_dropped = [-1, -1, -1, -1];
        let routed = RoutedSlots { expert_index: &all_dropped, tokens: 4, slots: 1 };
        let n = price(&arch(4, 2), routed, &options(4, Placement::Contiguous)).unwrap();
        assert_eq!((n.seated_slots, n.crossing_slots, n.bytes.total), (0, 0, 0));
        // The shared experts still compute, on each token's home device.
        assert!(n.device_flops.iter().all(|&f| f > 0));
        let err =
            |devices| price(&arch(4, 0), routed, &options(devices, Placement::Contiguous)).unwrap_err().to_string();
        assert!(err(0).contains("D = 0"));
        assert!(err(5).contains("1 to E = 4"));
        let names =
            |link, device, sizes| NetworkOptions::from_names(2, None, link, device, sizes).unwrap_err().to_string();
        assert!(names(Some("carrier-pigeon"), None, None).contains("unknown link"));
        assert!(names(None, Some("abacus"), None).contains("unknown device"));
        assert!(names(None, None, Some("gpt-9")).contains("unknown sizes"));
        let no_link = NetworkOptions::from_names(2, None, Some("none"), None, None).unwrap();
        assert!(price(&arch(4, 0), routed, &no_link).unwrap_err().to_string().contains("for one device"));
        assert!("diagonal".parse::<Placement>().is_err());
    }

    #[test]
    fn published_sizes_replace_the_width_but_not_the_routing() {
        // Token 0 (home 0) sees expert 3 on device 1; token 1 (home 1) expert 2, also on 1.
        let index = [3, 2];
        let routed = RoutedSlots { expert_index: &index, tokens: 2, slots: 1 };
        let mixtral =
            NetworkOptions::from_names(2, None, Some("ethernet-100g"), Some("a100"), Some("mixtral-8x7b")).unwrap();
        let n = price(&arch(4, 0), routed, &mixtral).unwrap();
        assert_eq!((n.d_model, n.d_ff, n.crossing_slots), (4096, 14336, 1));
        assert_eq!(n.bytes.total, 2 * 4096 * 2);
        // At these sizes and this link, moving the patients costs more than treating them.
        assert!(n.time_s.dispatch + n.time_s.combine > n.time_s.compute, "{:?}", n.time_s);
    }
}
