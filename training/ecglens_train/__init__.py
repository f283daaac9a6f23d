"""ecglens_train: trains and exports the default ecglens model (PTB-XL, 1D-ResNet, ONNX).

Modules: preprocess (the exact preprocessing the Rust core reimplements), data (PTB-XL loading and labels),
model (Ribeiro-style 1D-ResNet with taps), train, evaluate, export (ONNX + model card), fixtures (vendored
examples and test fixtures). `python -m ecglens_train all` runs everything.
"""
