// Layers are built from tensors: importing MyelinNN brings MyelinTensor along.
@_exported import MyelinTensor
