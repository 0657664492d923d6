// Pictures are drawn from tensors: importing MyelinVision brings MyelinTensor along. Being exported,
// it is also seen by every file of this module, so all of them use MyelinTensor's message-keeping
// `precondition` (PNG, GIF, Image and the plots import nothing else of Myelin).
@_exported import MyelinTensor
