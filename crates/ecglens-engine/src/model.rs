//! The ONNX model run by tract: logits plus the tapped activations named by the card.

use ndarray::{Array2, ArrayView2};
use tract_onnx::prelude::*;

use ecglens_core::card::ModelCard;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("the model file is not a valid ONNX model: {0}")]
    Load(String),
    #[error("the model does not match its card: {0}")]
    CardMismatch(String),
    #[error("inference failed: {0}")]
    Run(String),
    #[error("the input has shape {found:?}, the model expects {expected:?}")]
    InputShape { found: Vec<usize>, expected: Vec<usize> },
}

/// What one window of input produces.
#[derive(Debug, Clone)]
pub struct ModelOutput {
    /// Raw outputs (before the card's activation), one per class.
    pub logits: Vec<f32>,
    /// One `channels × steps` matrix per tap, in the card's tap order.
    pub taps: Vec<Array2<f32>>,
}

/// A loaded, optimised model whose graph has been checked against its card.
pub struct Model {
    plan: Arc<TypedRunnableModel>,
    leads: usize,
    n_samples: usize,
    n_classes: usize,
}

impl Model {
    /// Loads ONNX bytes, keeps only the logits and the card's taps as outputs, and checks every shape.
    pub fn load(onnx: &[u8], card: &ModelCard) -> Result<Self, ModelError> {
        let leads = card.input.leads.len();
        let n_samples = card.input.n_samples;
        let mut graph = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(onnx))
            .map_err(|e| ModelError::Load(format!("{e:#}")))?;
        if graph.inputs.len() != 1 {
            return Err(ModelError::CardMismatch(format!(
                "the card describes one input, the graph has {}",
                graph.inputs.len()
            )));
        }
        graph
            .set_input_fact(0, f32::fact([1, leads, n_samples]).into())
            .map_err(|e| ModelError::CardMismatch(format!("input [1, {leads}, {n_samples}]: {e:#}")))?;
        let mut outputs = vec![card.output.name.clone()];
        outputs.extend(card.taps.iter().map(|t| t.output.clone()));
        // Taps must be selected before optimisation, which would otherwise fuse them away.
        graph
            .select_outputs_by_name(&outputs)
            .map_err(|e| ModelError::CardMismatch(format!("outputs {outputs:?}: {e:#}")))?;
        let typed = graph
            .into_optimized()
            .map_err(|e| ModelError::CardMismatch(format!("the graph cannot be typed with the card's input: {e:#}")))?;
        for (ix, name) in outputs.iter().enumerate() {
            let fact = typed.output_fact(ix).map_err(|e| ModelError::Load(format!("{e:#}")))?;
            let shape: Option<Vec<usize>> = fact.shape.as_concrete().map(|s| s.to_vec());
            let expected: Vec<usize> = if ix == 0 {
                vec![1, card.n_classes()]
            } else {
                let tap = &card.taps[ix - 1];
                vec![1, tap.channels, tap.steps]
            };
            if shape.as_deref() != Some(expected.as_slice()) {
                return Err(ModelError::CardMismatch(format!(
                    "output {name:?} has shape {:?}, the card says {expected:?}",
                    fact.shape
                )));
            }
        }
        let plan = typed.into_runnable().map_err(|e| ModelError::Load(format!("{e:#}")))?;
        Ok(Model { plan, leads, n_samples, n_classes: card.n_classes() })
    }

    /// Runs one window, `leads × n_samples`, already preprocessed.
    pub fn run(&self, input: ArrayView2<f32>) -> Result<ModelOutput, ModelError> {
        let expected = vec![self.leads, self.n_samples];
        if input.shape() != expected.as_slice() {
            return Err(ModelError::InputShape { found: input.shape().to_vec(), expected });
        }
        let batch = input.to_owned().insert_axis(ndarray::Axis(0));
        let tensor: Tensor = batch.into();
        let outputs = self.plan.run(tvec!(tensor.into_tvalue())).map_err(|e| ModelError::Run(format!("{e:#}")))?;
        let view = |ix: usize| outputs[ix].to_plain_array_view::<f32>().map_err(|e| ModelError::Run(format!("{e:#}")));
        let logits: Vec<f32> = view(0)?.iter().copied().collect();
        if logits.len() != self.n_classes {
            return Err(ModelError::Run(format!("{} logits for {} classes", logits.len(), self.n_classes)));
        }
        let mut taps = Vec::with_capacity(outputs.len() - 1);
        for ix in 1..outputs.len() {
            let tap = view(ix)?;
            let shape = tap.shape();
            let (channels, steps) = (shape[1], shape[2]);
            let matrix = tap.to_shape((channels, steps)).map_err(|e| ModelError::Run(e.to_string()))?.to_owned();
            taps.push(matrix);
        }
        Ok(ModelOutput { logits, taps })
    }
}
