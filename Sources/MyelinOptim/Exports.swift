// Optimisers update tensors: importing MyelinOptim brings MyelinTensor along.
@_exported import MyelinTensor
