@_exported import MyelinData
@_exported import MyelinExplain
@_exported import MyelinNN
@_exported import MyelinOptim
// `import Myelin` gives a user everything: tensors and autograd, layers, optimisers, data, pictures,
// the training loop, and the attacks that show how a classifier is fooled.
@_exported import MyelinTensor
@_exported import MyelinTraining
@_exported import MyelinVision
