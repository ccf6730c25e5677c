//! The network flags `layer` and `route` share: price the routing on several devices
//! (the library's `moe::network`), only when `--devices` is given.

use clap::Args;
use clap::builder::PossibleValuesParser;
use moe_clinic::moe::network::{self, DEVICES, LINKS, Network, NetworkOptions, Placement, RoutedSlots, SIZES};
use moe_clinic::moe::{Architecture, MoeError};

#[derive(Args)]
pub struct NetworkFlags {
    /// Price the routing with the experts on D devices (1 to E): adds a `network` object.
    #[arg(long)]
    devices: Option<usize>,
    /// Where the experts live.
    #[arg(long, requires = "devices", value_parser = PossibleValuesParser::new(Placement::ALL.map(Placement::name)))]
    placement: Option<String>,
    /// The link between devices (default nvlink4).
    #[arg(long, requires = "devices", value_parser = PossibleValuesParser::new(LINKS.map(|l| l.name)))]
    link: Option<String>,
    /// The device computing the experts (default h100).
    #[arg(long, requires = "devices", value_parser = PossibleValuesParser::new(DEVICES.map(|d| d.name)))]
    device: Option<String>,
    /// Price at a published model's d and d_ff, with this routing (default: the clinic's own).
    #[arg(long, requires = "devices", value_parser = PossibleValuesParser::new(SIZES.map(|s| s.name)))]
    sizes: Option<String>,
}

impl NetworkFlags {
    /// The network object, when `--devices` was given.
    pub fn price(
        &self,
        arch: &Architecture,
        expert_index: &[i32],
        tokens: usize,
        slots: usize,
    ) -> Result<Option<Network>, MoeError> {
        let Some(devices) = self.devices else { return Ok(None) };
        let options = NetworkOptions::from_names(
            devices,
            self.placement.as_deref(),
            self.link.as_deref(),
            self.device.as_deref(),
            self.sizes.as_deref(),
        )?;
        network::price(arch, RoutedSlots { expert_index, tokens, slots }, &options).map(Some)
    }
}
