
BprobabilitiesJ(gş=Æ3;UéÛ9ëW8İä=±Ä<Ô586ê<²çÊ>Kù»>