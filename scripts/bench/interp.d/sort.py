# A million seeded random floats: list appends, then one sort.
import random


def main():
    r = random.Random(42)
    xs = []
    for i in range(1, 1000001):
        xs.append(r.random())
    print(len(sorted(xs)))


main()
