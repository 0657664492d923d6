// The training loop works on modules, optimizers, data and pictures: importing MyelinTraining brings them along.
@_exported import MyelinData
@_exported import MyelinNN
@_exported import MyelinOptim
@_exported import MyelinTensor
@_exported import MyelinVision
