// `import Myelin` gives a user everything: tensors and autograd, layers, optimisers, data, pictures
// and the training loop.
@_exported import MyelinTensor
@_exported import MyelinNN
@_exported import MyelinOptim
@_exported import MyelinData
@_exported import MyelinVision
@_exported import MyelinTraining
