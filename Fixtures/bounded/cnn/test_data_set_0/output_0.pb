
BprobabilitiesJ(h8>¤ë=o =„aß>>\;kx<V*>ŸÇ=1.«<èC<