
BprobabilitiesJ(ô£0q¡5b9y8ÙÍœ9[O)4ÒØb3…’„+øÒ?pØÊ729Ÿ9