"""Ribeiro et al. (2020)-style 1D-ResNet with named taps on the last three residual blocks.

Second edition: the model takes band-passed millivolts and normalises them itself (`InputNorm`): each lead is
z-scored over the window, a lead whose standard deviation is below `MIN_STD_MV` counts as missing (it is presented
as zeros: the lead-set masking of training and the app's missing leads), and a per-record vector (which leads are
present; with `use_scale`, each present lead's log standard deviation in mV, standardised) is added to the stem
as one bias per channel. So absolute amplitude reaches the model without breaking the time-localised trunk.

Ribeiro, A.H. et al., "Automatic diagnosis of the 12-lead ECG using a deep neural network", Nat. Commun. 11, 1760
(2020); pre-activation residual blocks taking (x, y), as in github.com/antonior92/automatic-ecg-diagnosis.
"""
import torch
from torch import nn

KERNEL = 17
STEM_CHANNELS = 32
# (out_channels, downsample) per residual block
BLOCKS = ((48, 2), (64, 2), (96, 2), (128, 1))
TAPS = ("block2", "block3", "block4")
MIN_STD_MV = 1e-6


class InputNorm(nn.Module):
    """[B, L, T] band-passed mV (missing leads = zeros) -> (z-score per lead over the window, per-record features).

    features = [present (L)] + (if use_scale) [standardised log10 std in mV of present leads whose amplitude is
    known (L), known (1)]. `known` [B] is 0 for rows whose amplitude was lost upstream (ptbxl-extra: z-scored before
    it was published); the exported graph fixes it to 1 (the app always has millivolts)."""

    def __init__(self, n_leads=12, use_scale=False, log_std_mean=None, log_std_sd=None):
        super().__init__()
        self.use_scale = use_scale
        self.register_buffer("log_std_mean", torch.zeros(n_leads) if log_std_mean is None
                             else torch.as_tensor(log_std_mean, dtype=torch.float32))
        self.register_buffer("log_std_sd", torch.ones(n_leads) if log_std_sd is None
                             else torch.as_tensor(log_std_sd, dtype=torch.float32))
        self.n_features = n_leads * 2 + 1 if use_scale else n_leads

    def forward(self, x, known):
        mean = x.mean(dim=-1, keepdim=True)
        xc = x - mean
        std = torch.sqrt((xc * xc).mean(dim=-1, keepdim=True))
        present = (std > MIN_STD_MV).to(x.dtype)
        z = xc / torch.clamp(std, min=MIN_STD_MV) * present
        p = present[..., 0]
        if not self.use_scale:
            return z, p
        k = known.to(x.dtype)[:, None]
        s = (torch.log10(torch.clamp(std[..., 0], min=MIN_STD_MV)) - self.log_std_mean) / self.log_std_sd
        return z, torch.cat([p, s * p * k, k], dim=1)


class ResBlock1d(nn.Module):
    def __init__(self, n_in, n_out, downsample, kernel=KERNEL, dropout=0.2):
        super().__init__()
        pad = (kernel - 1) // 2
        self.conv1 = nn.Conv1d(n_in, n_out, kernel, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm1d(n_out)
        self.relu = nn.ReLU()
        self.drop1 = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(n_out, n_out, kernel, stride=downsample, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm1d(n_out)
        self.drop2 = nn.Dropout(dropout)
        skip = []
        if downsample > 1:
            skip.append(nn.MaxPool1d(downsample, stride=downsample))
        if n_in != n_out:
            skip.append(nn.Conv1d(n_in, n_out, 1, bias=False))
        self.skip = nn.Sequential(*skip)

    def forward(self, x, y):
        y = self.skip(y)
        x = self.conv1(x)
        x = self.drop1(self.relu(self.bn1(x)))
        x = self.conv2(x)
        x = x + y
        y = x
        x = self.drop2(self.relu(self.bn2(x)))
        return x, y


class EcgResNet(nn.Module):
    def __init__(self, n_leads=12, n_classes=5, stem=STEM_CHANNELS, blocks=BLOCKS, kernel=KERNEL, dropout=0.2,
                 use_scale=False, log_std_mean=None, log_std_sd=None):
        super().__init__()
        pad = (kernel - 1) // 2
        self.norm = InputNorm(n_leads, use_scale, log_std_mean, log_std_sd)
        self.lead_bias = nn.Linear(self.norm.n_features, stem, bias=False)
        self.conv = nn.Conv1d(n_leads, stem, kernel, padding=pad, bias=False)
        self.bn = nn.BatchNorm1d(stem)
        self.relu = nn.ReLU()
        chans = [stem] + [c for c, _ in blocks]
        self.blocks = nn.ModuleList(
            ResBlock1d(chans[i], chans[i + 1], ds, kernel, dropout) for i, (_, ds) in enumerate(blocks))
        self.fc = nn.Linear(chans[-1], n_classes)

    def features(self, ecg_mv, known=None):
        """-> list of the post-BN-ReLU activation x of every residual block."""
        if known is None:
            known = torch.ones(ecg_mv.shape[0], dtype=ecg_mv.dtype)
        z, f = self.norm(ecg_mv, known)
        return self.trunk(z, f)

    def trunk(self, z, f):
        """The time-localised part, from the normalised input z and the per-record features f."""
        x = self.relu(self.bn(self.conv(z) + self.lead_bias(f)[:, :, None]))
        y = x
        outs = []
        for blk in self.blocks:
            x, y = blk(x, y)
            outs.append(x)
        return outs

    def forward(self, ecg_mv, known=None):
        feats = self.features(ecg_mv, known)
        logits = self.fc(feats[-1].mean(dim=-1))
        return logits


class TappedModel(nn.Module):
    """Export wrapper: outputs (logits, block2, block3, block4); the amplitude is always known (millivolts)."""

    def __init__(self, net: EcgResNet):
        super().__init__()
        self.net = net

    def forward(self, ecg):
        feats = self.net.features(ecg)
        logits = self.net.fc(feats[-1].mean(dim=-1))
        return (logits, *feats[-3:])


def tap_geometry(kernel=KERNEL, blocks=BLOCKS):
    """Analytic stride / centre offset / receptive field (input samples) of each block output.

    Every conv has odd kernel k with padding (k-1)/2, so a conv of stride s maps output t to inputs centred at s*t;
    the skip max-pool window [s*t, s*t+s-1] lies inside the main path's window, so the union (the receptive field)
    is the main path's: centred, RF grows by (k-1)*jump per conv.
    """
    rf, jump, centre = kernel, 1, 0.0  # stem
    out = []
    for i, (_, ds) in enumerate(blocks):
        rf += (kernel - 1) * jump  # conv1, stride 1
        rf += (kernel - 1) * jump  # conv2, stride ds (window at the pre-stride jump)
        jump *= ds
        out.append({"name": f"block{i + 1}", "stride": jump, "centre_offset": centre, "receptive_field": rf})
    return out
