// Shared by every kernel: prepended to each file before it is compiled or validated.

// Keep in sync with `Params` in src/gpu/kernels.rs (same fields, same order).
struct Params {
    tokens: u32,
    // Widths in vec4s: d_model and d_ff are zero-padded to multiples of 4 on the GPU.
    d4: u32,
    ff4: u32,
    // Routed experts E, and routed plus shared.
    experts: u32,
    total_experts: u32,
    // Router slots per token S, and S plus one per shared expert.
    slots: u32,
    total_slots: u32,
    top_k: u32,
    // RouterKind::code(): 0 mixtral, 1 switch, 2 token-choice, 3 expert-choice, 4 dense.
    router: u32,
    // Seats per routed expert in the dispatch (UNLIMITED when dropless).
    seat_limit: u32,
    // Tokens each expert picks under expert-choice (C).
    choose: u32,
    noise_on: u32,
    noise_seed: u32,
    noise_scale: f32,
    has_bias: u32,
    // Upper bound on padded rows for this forward (Dims::max_rows).
    max_rows: u32,
    // Whether the token-choice routers rank by p * selection (DeepSeek-V3's balancing bias).
    has_selection: u32,
    // Training (the clinic model around the layer): sentences in the batch, vocabulary,
    // the mixer's taps, values trained, tensors in the `tensors` table.
    sentences: u32,
    vocab: u32,
    conv_width: u32,
    trainable: u32,
    tensor_count: u32,
    // The loss's weights: the balance loss's alpha (0 when off), the z-loss's, and
    // DeepSeek-V3's bias update speed gamma.
    balance_alpha: f32,
    z_loss: f32,
    gamma: f32,
    // AdamW at this step: the learning rate, the decoupled weight decay and the bias
    // corrections 1 - beta^step.
    learning_rate: f32,
    weight_decay: f32,
    correction1: f32,
    correction2: f32,
    // A uniform's size is a multiple of 16 bytes.
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

// Keep in sync with src/moe/reference.rs.
const ROW_BLOCK: u32 = 4u;
const NO_BLOCK: u32 = 0xffffffffu;
const UNLIMITED: u32 = 0xffffffffu;
const ROUTER_SWITCH: u32 = 1u;
const ROUTER_TOKEN_CHOICE: u32 = 2u;
const ROUTER_EXPERT_CHOICE: u32 = 3u;
const ROUTER_DENSE: u32 = 4u;
const ROUTER_MIXTRAL: u32 = 0u;

// The triage head's classes. Keep in sync with clinic::CLASSES.
const CLASSES: u32 = 4u;
// AdamW's constants. Keep in sync with train::BETA1, BETA2, EPSILON.
const ADAM_BETA1: f32 = 0.9;
const ADAM_BETA2: f32 = 0.999;
const ADAM_EPSILON: f32 = 1e-8;
// The largest selection bias either way. Keep in sync with moe::weights::MAX_SELECTION_BIAS.
const MAX_SELECTION_BIAS: f32 = 60.0;

// Tokens of the sentence from `start` to `end`, at least 1 (as clinic::Segments::len_of).
fn sentence_length(start: u32, end: u32) -> f32 {
    return f32(max(end - start, 1u));
}

// The expert table, over n = total_experts: [offsets (n + 1) | demand (n) | seated (n)].
// Indices into it; keep in sync with gpu::kernels::ExpertTable.
fn table_offset(e: u32) -> u32 {
    return e;
}

fn table_demand(e: u32) -> u32 {
    return params.total_experts + 1u + e;
}

fn table_seated(e: u32) -> u32 {
    return 2u * params.total_experts + 1u + e;
}

// Every 1-D kernel uses 64 threads per workgroup; the host folds grids wider than 65535
// workgroups into y, so the flat index is x + y * (workgroups in x) * 64.
const WORKGROUP: u32 = 64u;

fn flat_index(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
    return gid.x + gid.y * groups.x * WORKGROUP;
}

// Keep in sync with src/moe/noise.rs: the CPU and GPU draw identical noise.
fn pcg_hash(input: u32) -> u32 {
    let state = input * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn noise_normal(seed: u32, token: u32, expert: u32) -> f32 {
    var sum = 0u;
    for (var draw = 0u; draw < 12u; draw++) {
        sum += pcg_hash(pcg_hash(pcg_hash(pcg_hash(seed) ^ token) ^ expert) ^ draw) >> 12u;
    }
    // 12 draws of 20 bits sum below 2^24, so this conversion to f32 is exact.
    return f32(i32(sum) - 6 * (1 << 20u)) * (1.0 / f32(1u << 20u));
}
