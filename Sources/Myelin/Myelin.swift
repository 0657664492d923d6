@_exported import MyelinData
@_exported import MyelinDistributed
@_exported import MyelinExplain
@_exported import MyelinNN
@_exported import MyelinOptim
// `import Myelin` gives a user everything: tensors and autograd, layers, optimisers, data, pictures,
// the training loop, the attacks that show how a classifier is fooled, and training on many processes.
@_exported import MyelinTensor
@_exported import MyelinTraining
@_exported import MyelinVision
