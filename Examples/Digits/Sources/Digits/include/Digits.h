#include "digits.kiln.h"
