// hC's mixnet (trusteeShuffle, verifyShuffle) lands here
