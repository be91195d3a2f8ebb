
BprobabilitiesJ(Ы	=Ръ=,‰к>xБА<J¦J<ц:>ЂE<сы>·д&>пяг<