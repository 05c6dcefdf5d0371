# Appending to a string a million times: quadratic unless appends are in place.
# (In a function on purpose: CPython appends in place only to a local; at
# module level this takes about 40 s.)
def main():
    s = ""
    for i in range(1, 1000001):
        s += "x"
    print(len(s))


main()
