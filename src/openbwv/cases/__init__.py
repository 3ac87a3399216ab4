"""Cases: investigations by crime reference number, linking evidence from many cameras."""
