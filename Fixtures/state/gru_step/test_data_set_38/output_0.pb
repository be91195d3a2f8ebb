ByJdy”¾PŠ;¿kj'¾
ío>