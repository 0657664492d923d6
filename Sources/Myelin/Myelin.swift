@_exported import MyelinData
@_exported import MyelinNN
@_exported import MyelinOptim
// `import Myelin` gives a user everything: tensors and autograd, layers, optimisers, data, pictures
// and the training loop.
@_exported import MyelinTensor
@_exported import MyelinTraining
@_exported import MyelinVision
