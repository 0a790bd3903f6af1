package io.microseg.inventory;

public enum ServiceType { ClusterIP, NodePort, LoadBalancer, ExternalName }
