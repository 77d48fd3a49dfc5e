# Measures the Kh 1000 output: refused for T models, which have none.
[profile]
name = kh1000

[point full-load-kh1000]
kind = accuracy
current = 100 %
output = 1000
